"""The deployment of docs/deploy.md, for real on loopback: nginx terminating TLS with a
certificate from a throw-away CA, `alignmeter serve` with two workers on PostgreSQL behind
it, a respondent walked through in Chromium over HTTPS, and an e-mailed link that leads
there. Checks Secure cookies, HSTS, links that stay on https, no mixed content."""

from __future__ import annotations

import base64
import email
import email.policy
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres]

PG = "postgresql://postgres@127.0.0.1:5432"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _openssl(*args: str) -> bytes:
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout


def _certificates(folder: Path) -> tuple[Path, Path, Path, str]:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it; returns (CA
    cert, server cert, server key, base64 SHA-256 of the server key for Chromium's pin)."""
    ca_key, ca = folder / "ca.key", folder / "ca.pem"
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=alignmeter test CA",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        str(key),
        "-out",
        str(csr),
    )
    ext = folder / "san.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        str(ext),
        "-out",
        str(cert),
    )
    der = subprocess.run(
        f"openssl x509 -pubkey -noout -in {cert} | openssl pkey -pubin -outform der",
        shell=True,
        check=True,
        capture_output=True,
    ).stdout
    import hashlib

    return ca, cert, key, base64.b64encode(hashlib.sha256(der).digest()).decode()


NGINX = """
worker_processes 1;
daemon off;
user root;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    client_max_body_size 1m;
    location / {{
      proxy_pass http://127.0.0.1:{app};
      proxy_set_header Host $http_host;  # with the port: the test listens on a random one
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}
"""


def _wait_for(port: int, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port} within {timeout} s")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    import psycopg
    from conftest import _postgres_or_skip

    _postgres_or_skip()
    if not shutil.which("nginx"):
        pytest.fail("nginx is needed (.ci/system-deps installs nginx-light)")
    tmp = tmp_path_factory.mktemp("deploy")
    ca, cert, key, spki = _certificates(tmp)
    database = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{PG}/test", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    db_url = f"{PG}/{database}"
    cli = [sys.executable, "-c", "from analysis.cli import run; run()"]
    folder = tmp / "acme"
    app_port, tls_port = _free_port(), _free_port()
    made = subprocess.run(
        [*cli, "init", str(folder), "--company", "ACME", "--unit", "north=Nord",
         "--base-url", f"https://127.0.0.1:{tls_port}"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    server = subprocess.Popen(
        [
            *cli,
            "serve",
            "--project",
            str(folder),
            "--db",
            db_url,
            "--workers",
            "2",
            "--port",
            str(app_port),
            "--behind-proxy",
            "127.0.0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX.format(tmp=tmp, port=tls_port, app=app_port, cert=cert, key=key))
    proxy = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(tmp)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _wait_for(app_port, server, "alignmeter serve")
        _wait_for(tls_port, proxy, "nginx")
        yield {
            "base": f"https://127.0.0.1:{tls_port}",
            "ca": ca,
            "spki": spki,
            "folder": folder,
            "db": db_url,
            "cli": cli,
        }
    finally:
        proxy.terminate()
        server.terminate()
        for proc in (proxy, server):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        with psycopg.connect(f"{PG}/test", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _https_get(deployment, path: str):
    context = ssl.create_default_context(cafile=str(deployment["ca"]))
    return urllib.request.urlopen(deployment["base"] + path, context=context, timeout=15)


def test_tls_with_the_throwaway_ca_and_hsts(deployment):
    with _https_get(deployment, "/s/north") as resp:
        assert resp.status == 200
        hsts = resp.headers.get("Strict-Transport-Security", "")
        assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 15552000
        cookies = resp.headers.get_all("Set-Cookie") or []
        assert cookies and all("Secure" in c for c in cookies), cookies
        page = resp.read().decode()
    assert "http://" not in page  # every link relative or https: no mixed content
    # the plain-HTTP app port must not be what the proxy hands out
    assert deployment["base"].startswith("https://")


def _browser(spki: str, profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        f"--ignore-certificate-errors-spki-list={spki}",
        "--window-size=420,900",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def _click(driver, selector: str) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()

    def replaced(_) -> bool:
        try:
            page.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(driver, 20).until(replaced)


def test_a_respondent_over_https_from_an_emailed_link(deployment, tmp_path):
    """invite --send (dry run) writes an https link; Chromium follows it through nginx,
    saves and resumes, and finishes; every cookie is Secure and no resource is insecure."""
    from selenium.webdriver.common.by import By

    people = tmp_path / "people.csv"
    people.write_text("email,department,unit,language\nanna@client.example,sales,north,en\n")
    outbox = tmp_path / "outbox"
    sent = subprocess.run(
        [
            *deployment["cli"],
            "invite",
            "--send",
            "--recipients",
            str(people),
            "--project",
            str(deployment["folder"]),
            "--db",
            deployment["db"],
            "--dry-run",
            str(outbox),
            "--from",
            "survey@consult.example",
            "--base-url",
            deployment["base"],
        ],
        capture_output=True,
        text=True,
    )
    assert sent.returncode == 0, sent.stderr
    msg = email.message_from_bytes(
        next(outbox.glob("*.eml")).read_bytes(), policy=email.policy.default
    )
    text = msg.get_body(("plain",)).get_content()
    link = next(w for w in text.split() if w.startswith(deployment["base"] + "/t/"))
    driver = _browser(deployment["spki"], tmp_path / "profile")
    try:
        driver.get(link)
        assert driver.current_url.startswith("https://")
        _click(driver, "button.primary")
        # the invitation already says the department: no department question
        assert not driver.find_elements(By.CSS_SELECTOR, "input[value=marketing]")
        _click(driver, "button[value=next]")
        _click(driver, "button[value=save]")  # save and continue later: the resume page
        page = driver.page_source
        assert "http://" not in page.split("</head>")[1]
        links = [a.get_attribute("href") for a in driver.find_elements(By.TAG_NAME, "a")]
        assert all(h.startswith(deployment["base"]) for h in links if h), links
        code = driver.find_element(By.ID, "resume-code").text
        resume = next(h for h in links if "/resume" in h)
        driver.get(resume)
        driver.find_element(By.ID, "code").send_keys(code)
        _click(driver, "button.primary")
        for _ in range(40):
            if "/thanks" in driver.current_url:
                break
            _click(driver, "button[value=next]")
        assert "/thanks" in driver.current_url
        cookies = driver.get_cookies()
        assert cookies and all(c["secure"] for c in cookies), cookies
        insecure = [e for e in driver.get_log("browser") if "Mixed Content" in e["message"]]
        assert not insecure, insecure
    finally:
        driver.quit()
    assert os.path.exists(deployment["folder"] / "mail" / "recipients.json")
