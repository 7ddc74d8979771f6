"""Board pages, one module per feature; importing the package registers their routes.

`hub` is the /boards index; `posts` the chat board with its topics and a post's page (and the
post lists and form the newcomers and group boards reuse); `newcomers`, `skills`, `help` and
`groups` the other boards; `common` what they share (the posting rate limit, author labels,
the visibility check). Posting and replying are htmx forms that update in place: a successful
post answers with a fresh form plus the new item swapped out-of-band into the list.
"""

from portal.boards.views import groups, help, hub, newcomers, posts, skills  # noqa: F401
