from tests.test_access_matrix import *  # noqa
from django.contrib.sessions.models import Session

def test_dbg(world):
    key = world.extra["owner"]
    print("exists", Session.objects.filter(pk=key).exists(), Session.objects.count())
    c = Client()
    c.cookies[settings.SESSION_COOKIE_NAME] = key
    r = c.get("/")
    print(r.status_code, r["Location"], c.session.session_key, dict(Session.objects.get(pk=key).get_decoded()))
