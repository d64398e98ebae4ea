"""The library's own API key model (djangorestframework-api-key's ``APIKey``) is unused:
its admin is taken away so that nobody makes a key no user owns. People make and revoke
their tokens on the site's API tokens page; a deactivation revokes them all."""

from django.contrib import admin
from rest_framework_api_key.models import APIKey

if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)
