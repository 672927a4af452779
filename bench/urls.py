"""The project's URLs plus bare views for comparison.

``bench/bare/<size>`` answers a JSON document of exactly ``size`` bytes from a plain Django
view: no DRF, no authentication, no throttles, no database. Benchmarking it at the size of an
endpoint's real response gives the ceiling of this machine and server for that payload, so
``endpoint req/s / bare req/s`` shows what the API stack costs on top of Django itself.
"""

import json

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from config import urls as project_urls

# Django looks the error handlers up on the root URLconf module.
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

_ENVELOPE = '{"data": ""}'


@csrf_exempt
@require_http_methods(["GET", "POST"])
def bare_json(request, size: int) -> HttpResponse:
    # A POST parses its body like the login endpoint does, so the comparison covers the
    # request side too; the hashing it does not do is reported separately by run.sh.
    if request.method == "POST":
        json.loads(request.body or b"{}")
    padding = "x" * max(0, size - len(_ENVELOPE))
    body = json.dumps({"data": padding}, separators=(", ", ": "))
    return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("bench/bare/<int:size>", bare_json, name="bench-bare"),
    *project_urls.urlpatterns,
]
