"""Group buying's services, one module per stage of a buy: opening it (buys), joining and the
waitlist (joining), closing at the deadline (closing), getting the goods to the residents
(fulfilment, pickup codes), and what the pages read (reading).

Plain functions that check the rules, raise DomainError, flush but never commit.
"""
