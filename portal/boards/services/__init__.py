"""The boards' services, one module per feature; import the module you need.

- `posts`: posts and replies on the chat, newcomers and group boards, and the chat's weekly topics
- `newcomers`: the 新邻居报到 board's welcomes from the community's ambassadors
- `skills`: 技能交换 listings and the exchanges that answer them (points held, then paid)
- `help`: 互助日 needs, the offers to help, and their optional points bounty
- `groups`: 互助小组 mutual-aid groups and who is in them
- `common`: what several of them share (the text check, a points amount, the tag filter)

Services flush and never commit; the views own the transaction. `posts`, `skills` and `help`
register their kind of content with moderation when imported (the views import them).
"""
