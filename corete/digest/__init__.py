"""The network digest for the newsletter: upcoming events, new skills, open service needs
with their matches, purchasing rounds closing soon; as an e-mail-ready page and as Atom."""
