"""The newsletter: subscribers (double opt-in), the monthly digest by e-mail, the news
operators contribute, and visitors following a filter of the calendar weekly."""
