"""A viewer of the real app without a browser: Streamlit's websocket protocol, spoken directly.

The browser tests see what a person sees; this sees what the server sends. It signs in through
the login form like a browser (the form's widget values and its submit trigger), opens pages
by their script hash, and returns every element of a run, so tests can inspect what a page
leaves behind (download buttons, media URLs) and benchmarks can time many viewers at once
without twenty browsers competing with the server for the CPU.
"""

from __future__ import annotations

import http.cookies
import itertools
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg, DeferredFileRequestPayload
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

XSRF_COOKIE = "_streamlit_xsrf"


@dataclass
class Run:
    """What one script run sent: its elements and blocks (containers: tabs, expanders ...) in
    order, the seconds from request to the end of the run, and how it ended."""

    elements: list = field(default_factory=list)
    blocks: list = field(default_factory=list)
    seconds: float = 0.0
    status: str = ""

    def of_type(self, kind: str) -> list:
        """The elements of one kind (a field of the Element proto: "plotly_chart", "download_button" ...)."""
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    def tabs(self, key: str) -> str:
        """The widget id of the tabs with ``key`` (their state is the open tab's label)."""
        return next(b.tab_container.id for b in self.blocks
                    if b.WhichOneof("type") == "tab_container" and b.tab_container.id.endswith(f"-{key}"))

    @property
    def exceptions(self) -> list[str]:
        return [e.message for e in self.of_type("exception")]


class Viewer:
    """One browser tab's worth of session: ``with Viewer(url) as v: v.sign_in(...); v.open("vanguard")``."""

    def __init__(self, url: str, *, timeout: float = 600) -> None:
        self.url = url
        self.timeout = timeout
        with urllib.request.urlopen(url, timeout=30) as response:
            cookies = http.cookies.SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookies.load(header)
        xsrf = cookies[XSRF_COOKIE].value if XSRF_COOKIE in cookies else ""
        self._closing = ExitStack()
        self._socket = self._closing.enter_context(connect(
            url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit", xsrf] if xsrf else None,
            additional_headers={"Cookie": f"{XSRF_COOKIE}={xsrf}"} if xsrf else None, max_size=None, open_timeout=30,
            proxy=None,
        ))
        self.pages: dict[str, str] = {}  # url path ("" the default page) -> page script hash
        self.session_id = ""  # the server's id of this session, from its first message
        self._requests = itertools.count(1)

    def __enter__(self) -> Viewer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._closing.close()

    def _receive(self) -> ForwardMsg:
        msg = ForwardMsg()
        msg.ParseFromString(self._socket.recv(timeout=self.timeout))
        if msg.WhichOneof("type") == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
        elif msg.WhichOneof("type") == "new_session" and msg.new_session.HasField("initialize"):
            self.session_id = msg.new_session.initialize.session_id
        return msg

    def run(self, *, page: str = "", widgets: list[WidgetState] | None = None) -> Run:
        """Ask for a run of ``page`` (a url path such as "vanguard"; "" for the default page)
        and collect it until the run that finishes normally (reruns the app asks for itself,
        such as after signing in, are followed)."""
        state = ClientState(query_string="", page_script_hash=self.pages.get(page, ""), page_name=page)
        state.widget_states.widgets.extend(widgets or [])
        started = time.perf_counter()
        self._socket.send(BackMsg(rerun_script=state).SerializeToString())
        run = Run()
        while True:
            msg = self._receive()
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                run.elements.append(msg.delta.new_element)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
                run.blocks.append(msg.delta.add_block)
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    run = Run()  # the app reran itself: what counts is the run after
                    continue
                run.seconds, run.status = time.perf_counter() - started, status
                return run

    def sign_in(self, username: str, password: str) -> Run:
        """Open the app, fill in the login form and submit it; the run after signing in."""
        form = self.run()
        inputs = {t.label: t.id for t in form.of_type("text_input")}
        submit = next(b.id for b in form.of_type("button") if b.is_form_submitter)
        signed_in = self.run(widgets=[WidgetState(id=inputs["用户名"], string_value=username),
                                      WidgetState(id=inputs["密码"], string_value=password),
                                      WidgetState(id=submit, trigger_value=True)])
        if not self.pages or signed_in.exceptions:
            raise RuntimeError(f"sign-in as {username} failed: {signed_in.exceptions}")
        return signed_in

    def open(self, page: str) -> Run:
        if page not in self.pages:
            raise KeyError(f"no page {page!r}; the app offers {sorted(self.pages)}")
        return self.run(page=page)

    def download(self, file_id: str) -> bytes:
        """Click a download button whose file is built on click: the server runs its callable
        and answers with a URL, which is then fetched."""
        request_id = str(next(self._requests))
        msg = BackMsg()
        msg.backend_operation_request.request_id = request_id
        msg.backend_operation_request.session_id = self.session_id
        msg.backend_operation_request.deferred_file.CopyFrom(DeferredFileRequestPayload(file_id=file_id))
        self._socket.send(msg.SerializeToString())
        while True:
            reply = self._receive()
            if reply.WhichOneof("type") == "backend_operation_response" and \
                    reply.backend_operation_response.request_id == request_id:
                response = reply.backend_operation_response
                if response.error_msg:
                    raise RuntimeError(response.error_msg)
                with urllib.request.urlopen(self.url + response.deferred_file.url, timeout=60) as r:
                    return r.read()
