"""Adding works to a server's library from the Archive of Our Own, politely.

`links` reads what a member pastes, `pages` reads what AO3 answers, and `client` fetches
through one queue per bot process so the bot never asks AO3 for more than one page at a time.
"""
