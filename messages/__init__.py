"""Private conversations between two people who share an active community; blocks, the
choice to hear only from people one has met, and reports that staff read (with an audit
entry each time). Django's own `django.contrib.messages` holds the label "messages", so
this app's label is `member_messages`."""
