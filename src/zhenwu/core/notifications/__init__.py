"""Notifications: channels (e-mail, chat-robot webhook, SMS), the outbox services and delivery tasks.

Domain code calls ``services.notification_enqueue`` / ``services.notify_user`` inside its own
transaction with an event key naming the event (for example ``petition:42:due-soon``); the message
is recorded at once and sent by the task worker after commit, at most once per event and recipient.
"""
