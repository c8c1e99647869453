"""The inbound mail service: replies to our e-mails, posted as the person who wrote them.

An e-mail about something one may reply to carries a personal address,
reply+<token>@REPLY_DOMAIN (tokens.py). What arrives there, through `manage.py
mail_inbound` (LMTP/SMTP) or a provider's webhook (views.py), goes to one service,
services.receive(), which drops bounces and auto-replies, reads the token, strips the
quoted text and the signature (parsing.py) and hands the text to the handler that the
owning app registered (registry.py): accounts never imports the apps above it.
"""
