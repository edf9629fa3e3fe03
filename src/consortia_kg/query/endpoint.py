"""Remote SPARQL 1.1 endpoints, through SPARQLWrapper: timeouts, a User-Agent, errors explained.

The answer is parsed into the same results the embedded store gives (pyoxigraph terms), so every
output format and every comparison works the same way on both. Credentials, when an endpoint
needs them, come from the environment or ``~/.netrc`` (see :func:`find_credentials`), never from
the command line.
"""

from __future__ import annotations

import ast
import netrc
import os
import socket
import urllib.error
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox

from consortia_kg import __version__
from consortia_kg.errors import InputError
from consortia_kg.query.store import AskResult, GraphResult, QueryResult, SelectResult, _bytes

__all__ = [
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "Credentials",
    "EndpointError",
    "RemoteEndpoint",
    "check_url",
    "explain_http_error",
    "find_credentials",
]

#: Seconds to wait for a connection and for each read.
DEFAULT_TIMEOUT = 30.0
USER_AGENT = f"consortia-kg/{__version__} (+https://w3id.org/consortia-kg/)"

#: Environment variables read for credentials (the password is never a command-line argument).
ENV_USER = "CONSORTIA_KG_USER"
ENV_PASSWORD = "CONSORTIA_KG_PASSWORD"
ENV_AUTH = "CONSORTIA_KG_HTTP_AUTH"


class EndpointError(InputError):
    """The endpoint could not be reached, refused the request, or did not answer in time."""


@dataclass(frozen=True)
class Credentials:
    """A user name and password for HTTP authentication, and where they came from."""

    user: str
    password: str
    origin: str
    #: ``basic`` or ``digest`` for SPARQLWrapper (the push client answers either challenge)
    scheme: str = "basic"


def check_url(url: str, what: str = "--endpoint") -> str:
    """Return ``url`` if it is an absolute http(s) URL, else raise an error saying so."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL": an unclosed bracket in the host
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"{what} {url!r} is not an http(s) URL",
            hint="write e.g. --endpoint http://127.0.0.1:7878/query",
        )
    return url


def find_credentials(url: str) -> Credentials | None:
    """Find credentials for ``url``: $CONSORTIA_KG_USER/$CONSORTIA_KG_PASSWORD, else netrc.

    The netrc file is $NETRC or ``~/.netrc``, matched on the URL's host name.
    """
    scheme = os.environ.get(ENV_AUTH, "basic").lower()
    if scheme not in ("basic", "digest"):
        raise InputError(f"${ENV_AUTH} is {scheme!r}", hint="set it to basic or digest")
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    if user and password is not None:
        return Credentials(user, password, "environment", scheme)
    if user or password:
        raise InputError(
            f"only one of ${ENV_USER} and ${ENV_PASSWORD} is set",
            hint="set both, or neither to use ~/.netrc",
        )
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(urlsplit(url).hostname or "")
    except (netrc.NetrcParseError, OSError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if entry is None:
        return None
    login, _account, secret = entry
    return Credentials(login or "", secret or "", path, scheme)


def explain_http_error(url: str, code: int, reason: str, body: bytes) -> EndpointError:
    """Say what an HTTP error from the server means, with the server's own message."""
    text = body.decode("utf-8", "replace").strip()
    if len(text) > 800:
        text = text[:800] + " …"
    said = f"\n  the server said: {text}" if text else ""
    hints = {
        400: "the server could not run the query: check it against the server's message",
        401: f"the server wants credentials: set ${ENV_USER} and ${ENV_PASSWORD}, "
        "or add the host to ~/.netrc",
        403: "the credentials are not allowed to do this here",
        404: "check the URL: a store's query endpoint is e.g. /query (Oxigraph), /sparql "
        "(Virtuoso), /DATASET/sparql (Fuseki), /repositories/ID (GraphDB)",
        405: "the URL does not accept this method: is it the query or the graph store URL?",
        414: "the request is too long for the server",
        415: "the server does not accept this content type",
    }
    hint = hints.get(code, "the server failed; try again later or ask its operator")
    return EndpointError(f"{url} answered {code} {reason}{said}", hint=hint)


def explain_url_error(url: str, exc: BaseException, timeout: float) -> EndpointError:
    """Say why a request got no HTTP answer: unreachable, refused, or timed out."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError | socket.timeout):
        return EndpointError(
            f"{url} gave no answer within {timeout:g} s",
            hint="the server may be busy or the query too heavy; raise --timeout",
        )
    if isinstance(reason, socket.gaierror):
        return EndpointError(
            f"cannot reach {url}: unknown host {urlsplit(url).hostname!r}",
            hint="check the host name",
        )
    if isinstance(reason, ConnectionRefusedError):
        return EndpointError(
            f"cannot reach {url}: connection refused",
            hint="is the server running, and on this port?",
        )
    return EndpointError(f"cannot reach {url}: {reason}", hint="check the URL and the network")


_ACCEPT_GRAPH = "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.5"


class RemoteEndpoint:
    """A SPARQL 1.1 query endpoint asked through SPARQLWrapper (POST, URL-encoded)."""

    def __init__(
        self,
        url: str,
        timeout: float = DEFAULT_TIMEOUT,
        credentials: Credentials | None = None,
    ) -> None:
        self.url = check_url(url)
        self.timeout = timeout
        self.credentials = credentials

    def execute(self, text: str, where: str = "query") -> QueryResult:
        """Send the query; parse the answer into results; explain any failure."""
        from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

        from consortia_kg.sparqltext import query_form

        form = query_form(text)
        client = SPARQLWrapper(self.url, agent=USER_AGENT)
        client.setQuery(text)
        # SPARQLWrapper guesses the form with a regular expression that a word such as
        # "address" in a comment fools (it reads ADD, an update); our lexer knows better
        client.queryType = form
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setTimeout(max(1, round(self.timeout)))
        client.setReturnFormat(JSON if form in ("SELECT", "ASK") else TURTLE)
        if form in ("CONSTRUCT", "DESCRIBE"):
            client.addCustomHttpHeader("Accept", _ACCEPT_GRAPH)
        if self.credentials is not None:
            client.setHTTPAuth(self.credentials.scheme.upper())
            client.setCredentials(self.credentials.user, self.credentials.password)
        body, content_type = self._fetch(client)
        return self._parse(body, content_type, form)

    def _fetch(self, client: object) -> tuple[bytes, str]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        try:
            response = client.query().response  # type: ignore[attr-defined]
            body = response.read()
            content_type = response.headers.get("Content-Type", "")
        except SPARQLWrapperException as exc:
            code = {
                "QueryBadFormed": (400, "Bad Request"),
                "Unauthorized": (401, "Unauthorized"),
                "EndPointNotFound": (404, "Not Found"),
                "URITooLong": (414, "URI Too Long"),
                "EndPointInternalError": (500, "Internal Server Error"),
            }.get(type(exc).__name__, (500, "error"))
            raise explain_http_error(self.url, *code, _server_message(exc)) from None
        except urllib.error.HTTPError as exc:
            raise explain_http_error(self.url, exc.code, exc.reason, exc.read()) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise explain_url_error(self.url, exc, self.timeout) from None
        return body, content_type

    def _parse(self, body: bytes, content_type: str, form: str) -> QueryResult:
        media = content_type.split(";")[0].strip().lower()
        try:
            if form in ("SELECT", "ASK"):
                results_format = ox.QueryResultsFormat.from_media_type(media or "application/json")
                if results_format is None:
                    results_format = ox.QueryResultsFormat.JSON
                parsed = ox.parse_query_results(body, format=results_format)
                if isinstance(parsed, ox.QueryBoolean):
                    return AskResult(bool(parsed))
                return SelectResult(_bytes(parsed.serialize(format=ox.QueryResultsFormat.JSON)))
            rdf_format = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.TURTLE
            triples = [q.triple for q in ox.parse(body, format=rdf_format)]
            return GraphResult(triples, form=form)
        except (SyntaxError, ValueError) as exc:
            raise EndpointError(
                f"{self.url} answered with a body that is not {media or 'a known format'}: {exc}",
                hint="is the URL a SPARQL query endpoint?",
            ) from None


def _server_message(exc: BaseException) -> bytes:
    """Recover the response body SPARQLWrapper keeps only inside its message text."""
    text = str(exc)
    _, sep, rest = text.partition("Response:\n")
    if not sep:
        return b""
    try:
        value = ast.literal_eval(rest.strip())
    except (ValueError, SyntaxError):
        return rest.encode()
    return value if isinstance(value, bytes) else str(value).encode()
