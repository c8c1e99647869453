"""The outbox: the one way the platform sends e-mail.

`email_queue` renders a message and writes an outbox row in the caller's transaction,
unique per (recipient address, purpose): asking twice for the same purpose sends one
message. A task queued on commit delivers it; a periodic sweep delivers any row still
pending (its task was never published, or SMTP failed transiently), so a message
survives a broker outage at commit time.

Delivery claims the row with a conditional UPDATE before talking to SMTP, under a lease
(claimed_at, claimed_by), and records each message's outcome as soon as the server has
answered. A sender that dies (killed, its database gone) leaves its claimed rows "sending";
once the lease passes the sweep makes them pending again. So the one message that can go
twice is the one in flight on a connection that died, after the server accepted it and
before its row was marked sent: at most one duplicate per crashed connection; never lost.

preferences.py  the preferences a message is sent under (MissingPreference when it names
                none) and the one-click unsubscribe (RFC 8058) from each
render.py       a message drawn for the person it goes to: render_one for one person,
                render_same for many (once per time zone, the same messages)
delivery.py     queueing, storing, claiming, delivering and sweeping the rows, and the
                Celery tasks that do it (email_queue and its kin are the way in)
"""
