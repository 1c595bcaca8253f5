"""What the global search indexes, per kind of record, and the SQL that keeps the indexes.

One definition serves the migration that builds the indexes (salesflow/search/migrations) and the
selectors that query them, so the PostgreSQL expression the planner must match is written once.

- SQLite: one FTS5 table per kind, `search_<kind>`, whose rowid is the record's id, kept by
  triggers on the source table (insert, update of an indexed column, delete), so every write path
  (services, imports' bulk_create, raw SQL, cascades, erasure) keeps it in sync.
- PostgreSQL: one GIN index per kind on a `search_document` tsvector column of the source table,
  computed by a BEFORE INSERT/UPDATE trigger from the row's columns (stored, so a match is
  checked without recomputing every candidate's document). Contacts and deals index their
  account's name too: the trigger copies it into a `search_company` column, and a trigger on the
  account's rename updates it (the same rule as SQLite's). Django's models know neither column.

Both split words the same way (letters and digits; `@ . - _ /` separate, so an email's parts and
an external id's parts are words) and match word prefixes. A phone (E.164, "+4940...") is
indexed as its digits and as its digits without the first one, two and three digits, so the
national number ("040 123..." -> "40123...") is a word prefix whatever the length of the country
code.

Changing a definition here needs a new migration that drops and rebuilds the indexes.
"""

from __future__ import annotations

from dataclasses import dataclass

# The FTS5 columns, the same for every kind ("" where a kind has no such field).
FTS_COLUMNS = ("name", "email", "phone", "company", "extid")


@dataclass(frozen=True)
class Indexed:
    kind: str
    table: str
    # SQL over the source row's columns (unqualified), one per FTS_COLUMNS entry.
    name: str
    email: str = "''"
    phone: str = ""  # a column name, or "" for none
    company: str = "''"
    extid: str = "''"
    # Updates of these columns change the indexed text.
    columns: tuple[str, ...] = ()
    # The account's name is indexed as the record's company, kept by triggers on this table and
    # on the account table (SQLite: in the FTS5 row; PostgreSQL: in a `search_company` column).
    company_from_account: bool = False

    # ------------------------------------------------------------------ shared pieces

    def phone_sql(self, prefix: str = "") -> str:
        if not self.phone:
            return "''"
        col = f"{prefix}{self.phone}"
        return (
            f"replace({col}, '+', '') || ' ' || substr({col}, 3) || ' ' || "
            f"substr({col}, 4) || ' ' || substr({col}, 5)"
        )

    def _qualified(self, sql: str, prefix: str) -> str:
        out = sql
        for col in self.columns:
            out = out.replace(f"@{col}", f"{prefix}{col}")
        return out

    # ------------------------------------------------------------------ SQLite (FTS5)

    @property
    def fts_table(self) -> str:
        return f"search_{self.kind}"

    def fts_values(self, prefix: str) -> str:
        parts = [self.name, self.email, None, self.company, self.extid]
        values = []
        for column, part in zip(FTS_COLUMNS, parts, strict=True):
            if part is None:
                values.append(self.phone_sql(prefix))
            elif column == "company" and self.company_from_account:
                values.append(
                    "coalesce((SELECT a.name FROM customers_account a "  # noqa: S608
                    f"WHERE a.id = {prefix}account_id), '')"
                )
            else:
                values.append(self._qualified(part, prefix))
        return ", ".join(values)

    def sqlite_account_trigger(self) -> str:
        """On an account's rename, the company of its records in this index."""
        t = self.fts_table
        return (
            f"CREATE TRIGGER {t}_account_au AFTER UPDATE OF name ON customers_account BEGIN "  # noqa: S608
            f"UPDATE {t} SET company = new.name WHERE rowid IN "
            f"(SELECT id FROM {self.table} WHERE account_id = new.id); END"
        )

    def sqlite_create(self) -> list[str]:
        t, cols = self.fts_table, ", ".join(FTS_COLUMNS)
        insert_new = f"INSERT INTO {t}(rowid, {cols}) VALUES (new.id, {self.fts_values('new.')});"  # noqa: S608
        delete_old = f"DELETE FROM {t} WHERE rowid = old.id;"  # noqa: S608
        watched = ", ".join(self.columns + (("account_id",) if self.company_from_account else ()))
        extra = [self.sqlite_account_trigger()] if self.company_from_account else []
        return [
            f"CREATE VIRTUAL TABLE {t} USING fts5({cols}, "
            "tokenize = \"unicode61 remove_diacritics 2 separators '@._-/'\", "
            "prefix = '2 3')",
            f"INSERT INTO {t}(rowid, {cols}) SELECT id, {self.fts_values('')} FROM {self.table}",  # noqa: S608
            f"CREATE TRIGGER {t}_ai AFTER INSERT ON {self.table} BEGIN {insert_new} END",
            f"CREATE TRIGGER {t}_au AFTER UPDATE OF {watched} ON {self.table} "
            f"BEGIN {delete_old} {insert_new} END",
            f"CREATE TRIGGER {t}_ad AFTER DELETE ON {self.table} BEGIN {delete_old} END",
            *extra,
        ]

    def sqlite_drop(self) -> list[str]:
        t = self.fts_table
        return [
            f"DROP TRIGGER IF EXISTS {t}_ai",
            f"DROP TRIGGER IF EXISTS {t}_au",
            f"DROP TRIGGER IF EXISTS {t}_ad",
            f"DROP TRIGGER IF EXISTS {t}_account_au",
            f"DROP TABLE IF EXISTS {t}",
        ]

    # ------------------------------------------------------------------ PostgreSQL

    @property
    def pg_index(self) -> str:
        return f"search_{self.kind}_doc_idx"

    @property
    def pg_function(self) -> str:
        return f"search_{self.kind}_document"

    def pg_document_sql(self, prefix: str = "") -> str:
        """The document of a row: its words as a tsvector (`prefix` "NEW." in the trigger)."""
        own = self._qualified(self.company, prefix)
        company = f"{prefix}{PG_COMPANY_COLUMN}" if self.company_from_account else own
        parts = (self._qualified(self.name, prefix), self._qualified(self.email, prefix), company)
        words = " || ' ' || ".join((*parts, self._qualified(self.extid, prefix)))
        return (
            f"to_tsvector('simple'::regconfig, translate({words}, '@._-/', '     ') "
            f"|| ' ' || {self.phone_sql(prefix)})"
        )

    def pg_create(self) -> list[str]:
        """The `search_document` column, the trigger that keeps it (and, for contacts and
        deals, `search_company`), the rows filled through that trigger, and the GIN index."""
        t, fn = self.table, self.pg_function
        watched = list(self.columns)
        company: list[str] = []
        renamed: list[str] = []
        set_company = ""
        if self.company_from_account:
            watched += ["account_id", PG_COMPANY_COLUMN]
            company = [
                f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {PG_COMPANY_COLUMN} text NOT NULL "
                "DEFAULT ''"
            ]
            set_company = (
                f"NEW.{PG_COMPANY_COLUMN} := coalesce((SELECT a.name FROM customers_account a "  # noqa: S608
                "WHERE a.id = NEW.account_id), ''); "
            )
            renamed = [
                f"CREATE OR REPLACE FUNCTION {fn}_renamed() RETURNS trigger LANGUAGE plpgsql "  # noqa: S608
                f"AS $$ BEGIN UPDATE {t} SET {PG_COMPANY_COLUMN} = NEW.name "
                "WHERE account_id = NEW.id; RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {fn}_renamed ON customers_account",
                f"CREATE TRIGGER {fn}_renamed AFTER UPDATE OF name ON customers_account "
                "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
                f"EXECUTE FUNCTION {fn}_renamed()",
            ]
        return [
            *company,
            f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {PG_DOCUMENT_COLUMN} tsvector",
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{set_company}NEW.{PG_DOCUMENT_COLUMN} := {self.pg_document_sql('NEW.')}; "
            "RETURN NEW; END $$",
            f"DROP TRIGGER IF EXISTS {fn} ON {t}",
            f"CREATE TRIGGER {fn} BEFORE INSERT OR UPDATE OF {', '.join(watched)} ON {t} "
            f"FOR EACH ROW EXECUTE FUNCTION {fn}()",
            # Every row through the trigger once: one definition of the document.
            f"UPDATE {t} SET {self.columns[0]} = {self.columns[0]}",  # noqa: S608
            *renamed,
            f"CREATE INDEX IF NOT EXISTS {self.pg_index} ON {t} USING gin ({PG_DOCUMENT_COLUMN})",
        ]

    def pg_drop(self) -> list[str]:
        t, fn = self.table, self.pg_function
        drop = [
            f"DROP INDEX IF EXISTS {self.pg_index}",
            f"DROP INDEX IF EXISTS search_{self.kind}_tsv_idx",  # the expression index of 0001
            f"DROP TRIGGER IF EXISTS {fn} ON {t}",
            f"DROP FUNCTION IF EXISTS {fn}()",
            f"ALTER TABLE {t} DROP COLUMN IF EXISTS {PG_DOCUMENT_COLUMN}",
        ]
        if self.company_from_account:
            old = f"search_{self.kind}_company"  # the triggers of migration 0003
            drop += [
                f"DROP TRIGGER IF EXISTS {fn}_renamed ON customers_account",
                f"DROP FUNCTION IF EXISTS {fn}_renamed()",
                f"DROP TRIGGER IF EXISTS {old}_renamed ON customers_account",
                f"DROP TRIGGER IF EXISTS {old} ON {t}",
                f"DROP FUNCTION IF EXISTS {old}_renamed()",
                f"DROP FUNCTION IF EXISTS {old}()",
                f"ALTER TABLE {t} DROP COLUMN IF EXISTS {PG_COMPANY_COLUMN}",
            ]
        return drop


# PostgreSQL: the column of contacts and deals holding their account's name, and the column of
# every indexed table holding its document (both kept by triggers, unknown to Django's models).
PG_COMPANY_COLUMN = "search_company"
PG_DOCUMENT_COLUMN = "search_document"


INDEXED: dict[str, Indexed] = {
    "lead": Indexed(
        kind="lead",
        table="leads_lead",
        name="@first_name || ' ' || @last_name",
        email="@email",
        phone="phone",
        company="@company",
        extid="@external_id",
        columns=("first_name", "last_name", "email", "phone", "company", "external_id"),
    ),
    "contact": Indexed(
        kind="contact",
        table="customers_contact",
        name="@first_name || ' ' || @last_name",
        email="@email",
        phone="phone",
        columns=("first_name", "last_name", "email", "phone"),
        company_from_account=True,
    ),
    "account": Indexed(
        kind="account",
        table="customers_account",
        name="@name",
        email="@website",
        columns=("name", "website"),
    ),
    "deal": Indexed(
        kind="deal",
        table="pipeline_deal",
        name="@name",
        extid="@external_id",
        columns=("name", "external_id"),
        company_from_account=True,
    ),
    "activity": Indexed(
        kind="activity",
        table="activities_activity",
        name="@subject",
        columns=("subject",),
    ),
}
