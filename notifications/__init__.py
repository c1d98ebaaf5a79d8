"""The notification outbox (알림): messages to corps members and providers, stored first and
sent by a task through a gateway adapter, retried, never sent twice.

Other apps call ``notifications.services.message_enqueue`` (inside their own transaction);
this app imports no other app of the project.
"""
