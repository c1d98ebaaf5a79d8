"""Open data: the welfare resource directory as Open Referral HSDS 3.0 (``/hsds/``).

Anonymous and read-only. Only what ``WelfareResource.objects.public()`` holds is published,
with the organizations that provide it; never a person, never a partner's agreement or a
staff note. ``serializers`` maps the models to HSDS objects (ids that never change),
``selectors`` reads them with a fixed number of queries, ``views`` serves the paths of HSDS's
``openapi.json`` (vendored in ``schema/``), ``export`` the bulk download.
"""
