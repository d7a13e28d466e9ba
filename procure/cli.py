"""The ``procure`` console script. Configuration comes from PROCURE_* environment variables."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from procure.kernel.db import Database, DatabaseNotMigrated, ensure_migrated, migrate as run_migrations
from procure.kernel.settings import Settings


if TYPE_CHECKING:
    import httpx


def _settings() -> Settings:
    return Settings.from_env()


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    """The configured database, checked to be migrated; its connections closed afterwards. Every
    command that reaches the database wires the hand-offs first (``procure.domains``)."""
    from procure import domains  # noqa: F401  # late: `procure --help` imports no domain
    database = Database(settings.database_url, audit_key=settings.audit_mac_key())
    try:
        try:
            ensure_migrated(database.engine)
        except DatabaseNotMigrated as exc:
            raise click.ClickException(str(exc)) from None
        yield database
    finally:
        database.dispose()


@click.group()
def main() -> None:
    """Procure — procurement and contractor management for a district urban-management bureau."""


@main.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    settings = _settings()
    database = Database(settings.database_url)
    run_migrations(database.engine)
    database.dispose()
    if not settings.is_sqlite:
        from procure.worker import apply_procrastinate_schema  # late: `procure --help` and each command import only what they use

        if apply_procrastinate_schema(settings):
            click.echo("Job queue tables (procrastinate) created.")
    click.echo(f"Database migrated: {_safe_url(settings.database_url)}")


@main.command()
def demo() -> None:
    """Load the demo district (fixtures/) into the database; safe to run again."""
    from procure.demo import load_demo  # late: `procure --help` and each command import only what they use

    settings = _settings()
    bars: dict[str, click.termui.ProgressBar] = {}

    def progress(what: str, done: int, total: int) -> None:
        if what not in bars:
            bars[what] = click.progressbar(length=total, label=f"Loading {what}", file=sys.stderr)
            bars[what].__enter__()
        bars[what].update(1)
        if done == total:
            bars.pop(what).__exit__(None, None, None)

    with _database(settings) as database, database.session() as session:
        report = load_demo(session, settings, progress=progress)
    if report.created:
        click.echo("Demo data loaded: " + ", ".join(f"{n} {what}" for what, n in report.created.items()))
    else:
        click.echo("Demo data already present; nothing to add.")
    click.echo("Demo logins: officer / officer-demo, contractor / contractor-demo, evaluator / evaluator-demo, "
               "inspector / inspector-demo, finance / finance-demo, admin / admin-demo-2026")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="App processes (uvicorn workers); they share nothing but the database and the storage folder.")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="A line per request (the reverse proxy usually keeps this log).")
def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Run the web server (and, on the embedded SQLite default, the worker's jobs in-process)."""
    import uvicorn  # only `procure serve` needs the server; other commands start faster without it

    settings = _settings()
    with _database(settings):
        pass  # refuse an unmigrated database before any process starts
    click.echo(f"Procure on http://{host}:{port}  (database: {_safe_url(settings.database_url)}, "
               f"{workers} process{'es' if workers > 1 else ''}, up to {settings.max_concurrency} requests each at once"
               f"{', worker jobs in-process' if settings.worker_in_process else ''})")
    # The factory builds the app inside each worker process: nothing is shared between them.
    uvicorn.run("procure.asgi:create", factory=True, host=host, port=port, workers=workers, log_level="info",
                access_log=access_log, proxy_headers=True, timeout_keep_alive=10, timeout_graceful_shutdown=20)


@main.command()
@click.option("--once", is_flag=True, help="Run every job once and stop (for cron or a test).")
def worker(once: bool) -> None:
    """Persist what the clock moves and run the scheduled jobs (see procure/worker.py).

    On PostgreSQL this is a procrastinate worker — run one or several. On SQLite it runs the
    in-process loop (``procure serve`` already does, unless PROCURE_WORKER_IN_PROCESS=0)."""

    from procure import worker as jobs  # late: `procure --help` and each command import only what they use

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _settings()
    with _database(settings) as database:
        if once:
            for job in jobs.JOBS:
                click.echo(f"{job.name}: {jobs.run_job(job, settings, database)}")
            return
        if settings.is_sqlite:
            click.echo("Worker (in-process loop, SQLite): Ctrl-C to stop")
            scheduler = jobs.InProcessScheduler(settings, database)
            try:
                scheduler.loop()
            except KeyboardInterrupt:
                pass
            return
        click.echo("Worker (procrastinate, PostgreSQL): Ctrl-C to stop")
        app = jobs.procrastinate_app(settings, database)
        with app.open():
            app.run_worker(queues=["procure"], concurrency=1, install_signal_handlers=True)


@main.command()
def tick() -> None:
    """Persist what the clock has moved (tenders, contracts) once; ``procure worker`` does it every minute."""
    from procure import worker as jobs  # late: `procure --help` and each command import only what they use

    settings = _settings()
    with _database(settings) as database:
        moved = jobs.clock_job(settings, database)
    click.echo(f"{moved['tenders']} tenders and {moved['contracts']} contracts moved on.")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["officer", "contractor", "evaluator", "inspector",
                                                           "finance", "admin"]))
@click.option("--jurisdiction", "jurisdiction_code", default=None, help="Jurisdiction code (属地编码)")
@click.option("--name", "display_name", default="")
def create_user(username: str, password: str, role: str, jurisdiction_code: str | None, display_name: str) -> None:
    """Create a user account."""
    from procure.accounts import services  # late: `procure --help` and each command import only what they use
    from procure.audit.services import SYSTEM  # late: `procure --help` and each command import only what they use
    from procure.kernel.errors import ProcureError  # late: `procure --help` and each command import only what they use

    settings = _settings()
    with _database(settings) as database, database.session() as session:
        try:
            user = services.create_user(session, settings.clock, SYSTEM, username=username, password=password,
                                        role=role, display_name=display_name, jurisdiction_code=jurisdiction_code)
        except ProcureError as exc:
            raise click.ClickException(_explain(exc)) from None
    click.echo(f"Created user {user.username} (id {user.id}, role {user.role})")


@main.command("import-sites")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_sites(file: Path) -> None:
    """Import sites from a CSV (UTF-8 or GBK) or XLSX file; all rows or none."""
    from procure.audit.services import SYSTEM  # late: `procure --help` and each command import only what they use
    from procure.kernel.errors import ProcureError  # late: `procure --help` and each command import only what they use
    from procure.sites import services  # late: `procure --help` and each command import only what they use

    settings = _settings()
    with _database(settings) as database, database.session() as session, click.progressbar(length=1, label="Importing sites",
                                                                       file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        try:
            result = services.import_sites(session, settings.clock, SYSTEM, file.read_bytes(), file.name,
                                           progress=progress)
        except ProcureError as exc:
            raise click.ClickException(_explain(exc)) from None
    click.echo(f"Imported {result.created} sites.")


@main.command("api-key")
@click.argument("name")
def api_key(name: str) -> None:
    """Issue an Open311 API key for a client (printed once; only its hash is kept)."""
    from procure.cases import services as cases  # late: `procure --help` and each command import only what they use

    settings = _settings()
    with _database(settings) as database, database.session() as session:
        key = cases.create_api_key(session, settings.clock, name)
    click.echo(key)


@main.group()
def payments() -> None:
    """Monthly settlement."""


@payments.command("run")
@click.argument("month")
def payments_run(month: str) -> None:
    """Compute the draft statements of MONTH (YYYY-MM) for every contract in force."""
    from procure.audit.services import SYSTEM  # late: `procure --help` and each command import only what they use
    from procure.kernel.errors import ProcureError  # late: `procure --help` and each command import only what they use
    from procure.payments import services  # late: `procure --help` and each command import only what they use

    settings = _settings()
    with _database(settings) as database, database.session() as session, click.progressbar(
            length=1, label=f"Statements for {month}", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        try:
            result = services.run_month(session, settings.clock, SYSTEM, month, progress=progress)
        except ProcureError as exc:
            raise click.ClickException(_explain(exc)) from None
    click.echo(f"{month}: {result.created} created, {result.replaced} drafts recomputed, "
               f"{result.kept} submitted or later left untouched.")
    if result.not_assessed:
        click.echo("Not assessed (cannot be submitted): " + ", ".join(result.not_assessed))


@main.group()
def ocds() -> None:
    """Open Contracting Data Standard publication."""


@ocds.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", help="The public address URIs are built on (default: PROCURE_PUBLIC_BASE_URL).")
def ocds_export(directory: Path, base_url: str | None) -> None:
    """Write the OCDS 1.1 packages to DIRECTORY: a release and a record package per ocid, one release
    package per year and the whole release package."""
    from procure.kernel.settings import public_base_url  # late, as below
    from procure.publishing import services  # late: `procure --help` and each command import only what they use

    settings = _settings()
    try:
        base = public_base_url(base_url) if base_url else settings.public_base_url
    except ValueError as exc:
        raise click.UsageError(str(exc).replace("PROCURE_PUBLIC_BASE_URL", "--base-url")) from None
    if not base:
        raise click.UsageError("Say where the public reaches Procure, e.g. --base-url https://procure.example.gov.cn "
                               "(or set PROCURE_PUBLIC_BASE_URL): open data carries absolute addresses.")
    with _database(settings) as database, database.session() as session, click.progressbar(
            length=1, label="Writing release packages", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        count = services.export(session, settings.clock, settings.ocds_prefix, directory, base, progress=progress)
    click.echo(f"{count} releases written to {directory}")


# --- sealed bids: the bidder's and the official's side, from a terminal ----------------------


def _api(server: str, token: str) -> "httpx.Client":
    import httpx  # late: only these client commands speak HTTP

    return httpx.Client(base_url=server.rstrip("/"), headers={"authorization": f"Bearer {token}"}, timeout=120)


def _answer(response: "httpx.Response") -> dict:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:300]}
    if response.status_code >= 400:
        detail = body.get("detail") if isinstance(body, dict) else body
        extra = body.get("extra") if isinstance(body, dict) else None
        raise click.ClickException(f"{response.status_code}: {detail}" + (f" {extra}" if extra else ""))
    return body


@main.command("seal-bid")
@click.option("--server", required=True, help="Procure's address, e.g. https://procure.example.gov.cn")
@click.option("--token", envvar="PROCURE_TOKEN", required=True, help="The company login's API token (PROCURE_TOKEN).")
@click.option("--lot", "lot_id", required=True, type=int)
@click.option("--price", required=True, help="The bid price in yuan, e.g. 1234567.89")
@click.option("--bond-form", default="guarantee", show_default=True,
              type=click.Choice(["transfer", "guarantee", "insurance", "none"]))
@click.option("--bond-reference", default="")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also keep the envelope and the ciphertexts here (what was sent, byte for byte).")
@click.argument("documents", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def seal_bid(server: str, token: str, lot_id: int, price: str, bond_form: str, bond_reference: str, out: Path | None,
             documents: tuple[Path, ...]) -> None:
    """Seal a bid on this machine exactly as the bid page does, then submit it: the price, bond and
    DOCUMENTS leave it only encrypted to the tender's opening officials (docs/sealed-bids.md)."""
    from procure.bidding import clients  # late: `procure --help` imports only what each command uses
    from procure.kernel.errors import InvalidInput, ProcureError  # late, as above

    with _api(server, token) as api:
        target = _answer(api.get(f"/api/v1/lots/{lot_id}/sealing"))
        if target.get("contractor") is None:
            raise click.ClickException("This token is not a company login's: only a company can bid.")
        plain = [clients.plain_document(path.name, path.read_bytes()) for path in documents]
        try:
            sealed = clients.seal_to(target, price=price, bond_form=bond_form, bond_reference=bond_reference,
                                     documents=plain)
        except InvalidInput as exc:
            raise click.ClickException(f"{exc} " + "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)) from None
        except ProcureError as exc:
            raise click.ClickException(str(exc)) from None
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / "envelope.json").write_text(sealed.envelope_text)
            for i, blob in enumerate(sealed.documents, start=1):
                (out / f"sealed-{i}.bin").write_bytes(blob)
        files = [("documents", (f"sealed-{i}.bin", blob, "application/octet-stream"))
                 for i, blob in enumerate(sealed.documents, start=1)]
        receipt = _answer(api.post(f"/api/v1/lots/{lot_id}/bids", data={"envelope": sealed.envelope_text}, files=files))
    click.echo(f"Sealed to {len(target['holders'])} officials ({target['threshold']} needed to open): "
               + ", ".join(f"{h['name']} [{h['fingerprint']}]" for h in target["holders"]))
    click.echo(json.dumps(receipt, ensure_ascii=False, indent=2))


@main.group("opening-key")
def opening_key() -> None:
    """An opening official's key (开标密钥), made on their own machine."""


@opening_key.command("new")
@click.option("--holder", required=True, help="Your username (written into the key file).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.password_option("--passphrase", help="At least 12 characters; asked for if not given.")
def opening_key_new(holder: str, out: Path, passphrase: str) -> None:
    """Make a key pair here; write the private half to OUT encrypted under the passphrase, and
    print the public half to register (opening key page, or POST /api/v1/me/opening-key)."""
    from procure.bidding import sealing  # late, as above

    if out.exists():
        raise click.UsageError(f"{out} exists: a key file is never overwritten.")
    try:
        data = sealing.key_file(sealing.new_opening_key(), passphrase, holder=holder)
    except sealing.SealError as exc:
        raise click.UsageError(str(exc)) from None
    out.write_text(json.dumps(data, indent=2))
    out.chmod(0o600)
    click.echo(f"public_key: {data['public_key']}")
    click.echo(f"fingerprint: {sealing.fingerprint(sealing.unb64(data['public_key']))}")


@main.command("present-shares")
@click.option("--server", required=True)
@click.option("--token", envvar="PROCURE_TOKEN", required=True, help="Your API token (PROCURE_TOKEN).")
@click.option("--tender", "tender_id", required=True, type=int)
@click.option("--key-file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.password_option("--passphrase", confirmation_prompt=False)
def present_shares(server: str, token: str, tender_id: int, key_file: Path, passphrase: str) -> None:
    """At the opening: decrypt your shares on this machine with your key file and present them."""
    from procure.bidding import clients, sealing  # late, as above

    try:
        private = sealing.open_key_file(json.loads(key_file.read_text()), passphrase)
    except (sealing.SealError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    with _api(server, token) as api:
        listing = _answer(api.get(f"/api/v1/tenders/{tender_id}/opening/shares"))
        shares = clients.decrypt_shares(private, listing)
        result = _answer(api.post(f"/api/v1/tenders/{tender_id}/opening", json={"shares": shares}))
    if result["opened"]:
        click.echo(f"The bids are open: opening record {result['opening']['sha256']}")
    else:
        click.echo(f"{result['presented']} of {result['threshold']} officials have presented; nothing opens before "
                   f"{result['threshold']}.")


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option("--anchor", "anchors", multiple=True, metavar="COUNT:MAC",
              help="A head recorded earlier (`procure audit head`): the chain must still have COUNT entries, the "
                   "COUNT-th with this MAC. A bare MAC (a published head) must be somewhere in the chain. Repeatable.")
@click.option("--anchor-file", "anchor_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A head as JSON: a day's file from <storage>/audit-heads/ (or a mirror of it), the answer of "
                   "GET /api/v1/public/audit-head, or the output of `procure audit head`. Repeatable.")
def audit_verify(anchors: tuple[str, ...], anchor_files: tuple[Path, ...]) -> None:
    """Check the audit chain's links and MACs, and that it still holds every anchor given; exit 1 and
    name the first bad entry if it was tampered with."""

    from procure.audit import services  # late: `procure --help` and each command import only what they use
    from procure.audit.rules import BadAnchor, anchor_from_json, parse_anchor  # late: `procure --help` and each command import only what they use

    parsed = []
    for raw in anchors:
        try:
            parsed.append(parse_anchor(raw))
        except BadAnchor as exc:
            raise click.BadParameter(str(exc), param_hint="--anchor") from None
    for path in anchor_files:
        try:
            parsed.append(anchor_from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (BadAnchor, ValueError) as exc:
            raise click.BadParameter(f"{path}: {exc}", param_hint="--anchor-file") from None
    settings = _settings()
    with _database(settings) as database, database.reader() as session:
        verdict = services.verify(session, parsed)
    anchored = f", {len(parsed)} anchor{'s' if len(parsed) != 1 else ''} held" if parsed else ""
    if verdict.intact:
        click.echo(f"Audit chain intact: {verdict.checked} entries checked{anchored}.")
    elif verdict.first_broken_id is not None:
        click.echo(f"Audit chain BROKEN at entry {verdict.first_broken_id}: {verdict.reason} "
                   f"({verdict.checked} entries before it are intact).", err=True)
        sys.exit(1)
    else:
        click.echo(f"Audit chain BROKEN: {verdict.reason} (its {verdict.checked} entries are intact in "
                   "themselves).", err=True)
        sys.exit(1)


@audit.command("head")
def audit_head() -> None:
    """Print the whole chain's head as JSON (count, MAC, time) to keep as a private anchor: unlike the
    published head it counts the entries about sealed bids, so do not publish it before they are opened."""

    from procure.audit import services  # late: `procure --help` and each command import only what they use

    settings = _settings()
    with _database(settings) as database, database.reader() as session:
        head = services.head(session)
    click.echo(json.dumps(head.as_json(), ensure_ascii=False))


def _explain(exc: Exception) -> str:
    from procure.kernel.errors import ProcureError  # late: `procure --help` and each command import only what they use

    lines = [str(exc)]
    if isinstance(exc, ProcureError):
        for error in getattr(exc, "errors", []):
            where = f"row {error['row']}, {error['column']}" if "row" in error else error.get("field", "")
            lines.append(f"  {where}: {error['message']}")
    return "\n".join(lines)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url  # the CLI loads SQLAlchemy only for commands that touch a database

    return make_url(url).render_as_string(hide_password=True)
