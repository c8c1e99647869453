"""One moderation path for everything members write: stories, comments and, as apps arrive,
whatever else can be reported and hidden.

The app that owns a kind of content declares it once (registry.register, from its
AppConfig.ready()): its community, its author, its title, its pages and who may see and
moderate it. Reports (models.Report), hiding with a reason, unhiding and dismissing then
go through the same services (services.py), e-mails, audit entries and convener queue,
whatever the content is. This app never imports the apps above it.
"""
