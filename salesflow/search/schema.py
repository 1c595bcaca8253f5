"""What the global search indexes, per kind of record, and the SQL that keeps the indexes.

One definition serves the migration that builds the indexes (salesflow/search/migrations) and the
selectors that query them, so the PostgreSQL expression the planner must match is written once.

- SQLite: one FTS5 table per kind, `search_<kind>`, whose rowid is the record's id, kept by
  triggers on the source table (insert, update of an indexed column, delete), so every write path
  (services, imports' bulk_create, raw SQL, cascades, erasure) keeps it in sync.
- PostgreSQL: one GIN index per kind on a `to_tsvector('simple', ...)` expression of the source
  table's own columns, which PostgreSQL keeps itself. Contacts and deals index their account's
  name too: it is copied into a `search_company` column of their table that Django does not know
  of, set by a trigger on insert and on a change of `account_id`, and by one on the account's
  rename (the same rule as SQLite's), so every word is one index lookup for them too.

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
        return f"search_{self.kind}_tsv_idx"

    @property
    def pg_document(self) -> str:
        """The indexed expression; queries must repeat it exactly for the index to be used."""
        own = self._qualified(self.company, "")
        company = PG_COMPANY_COLUMN if self.company_from_account else own
        parts = (self._qualified(self.name, ""), self._qualified(self.email, ""), company)
        words = " || ' ' || ".join((*parts, self._qualified(self.extid, "")))
        return (
            f"to_tsvector('simple'::regconfig, translate({words}, '@._-/', '     ') "
            f"|| ' ' || {self.phone_sql()})"
        )

    def _pg_company_create(self) -> list[str]:
        """The `search_company` column of a contact or deal, filled, and the triggers keeping it."""
        t, fn = self.table, f"search_{self.kind}_company"
        return [
            f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {PG_COMPANY_COLUMN} text NOT NULL "
            "DEFAULT ''",
            f"UPDATE {t} SET {PG_COMPANY_COLUMN} = a.name FROM customers_account a "  # noqa: S608
            f"WHERE a.id = {t}.account_id",
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
            f"NEW.{PG_COMPANY_COLUMN} := coalesce((SELECT a.name FROM customers_account a "
            "WHERE a.id = NEW.account_id), ''); RETURN NEW; END $$",
            f"DROP TRIGGER IF EXISTS {fn} ON {t}",
            f"CREATE TRIGGER {fn} BEFORE INSERT OR UPDATE OF account_id ON {t} "
            f"FOR EACH ROW EXECUTE FUNCTION {fn}()",
            f"CREATE OR REPLACE FUNCTION {fn}_renamed() RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
            f"BEGIN UPDATE {t} SET {PG_COMPANY_COLUMN} = NEW.name WHERE account_id = NEW.id; "
            "RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {fn}_renamed ON customers_account",
            f"CREATE TRIGGER {fn}_renamed AFTER UPDATE OF name ON customers_account "
            f"FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
            f"EXECUTE FUNCTION {fn}_renamed()",
        ]

    def pg_create(self) -> list[str]:
        company = self._pg_company_create() if self.company_from_account else []
        return [
            *company,
            f"CREATE INDEX IF NOT EXISTS {self.pg_index} ON {self.table} "
            f"USING gin (({self.pg_document}))",
        ]

    def pg_drop(self) -> list[str]:
        drop = [f"DROP INDEX IF EXISTS {self.pg_index}"]
        if self.company_from_account:
            fn = f"search_{self.kind}_company"
            drop += [
                f"DROP TRIGGER IF EXISTS {fn}_renamed ON customers_account",
                f"DROP TRIGGER IF EXISTS {fn} ON {self.table}",
                f"DROP FUNCTION IF EXISTS {fn}_renamed()",
                f"DROP FUNCTION IF EXISTS {fn}()",
                f"ALTER TABLE {self.table} DROP COLUMN IF EXISTS {PG_COMPANY_COLUMN}",
            ]
        return drop


# PostgreSQL: the column of contacts and deals holding their account's name for the index.
PG_COMPANY_COLUMN = "search_company"


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
