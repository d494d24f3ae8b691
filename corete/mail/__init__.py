"""E-mail: an outbox written in the transaction of what caused each message, sent by
the scheduler (never by a web worker) through SMTP."""
