"""Double pledge: the same warehouse receipt (the same goods) pledged at two or more institutions.

A receipt appears in a bank's files when it is pledged to that bank, so the same receipt at two
banks is the signature. The disguised variant keeps warehouse, owner, goods, quantity and issue
date and alters the receipt number; successive receipts for the same owner differ in date or
quantity and are therefore not matched.
"""

from __future__ import annotations

import duckdb

from fiveareas.watch.scf.findings import Finding, from_groups

PLEDGED_SQL = """
CREATE OR REPLACE TEMP VIEW scf_pledged AS
SELECT r.institution_id, r.warehouse_id, r.receipt_id, r.owner_id, r.goods, r.quantity, r.unit,
       r.issue_date, list(DISTINCT d.application_id ORDER BY d.application_id) AS apps
FROM warehouse_receipt r JOIN application_document d
  ON d.institution_id = r.institution_id AND d.document_type = 'warehouse_receipt'
 AND d.document_id = r.receipt_id
GROUP BY ALL
"""

EXACT_SQL = """
SELECT warehouse_id, receipt_id,
       list(DISTINCT institution_id ORDER BY institution_id) AS institutions,
       flatten(list(apps)) AS apps,
       list({'institution_id': institution_id, 'owner_id': owner_id, 'goods': goods,
             'quantity': quantity, 'issue_date': issue_date} ORDER BY institution_id) AS copies
FROM scf_pledged GROUP BY 1, 2 HAVING count(DISTINCT institution_id) >= 2
ORDER BY 1, 2
"""

ALTERED_SQL = """
SELECT warehouse_id, owner_id, trim(lower(goods)) AS goods, quantity, issue_date,
       list(DISTINCT institution_id ORDER BY institution_id) AS institutions,
       flatten(list(apps)) AS apps, list(DISTINCT receipt_id ORDER BY receipt_id) AS receipt_ids
FROM scf_pledged GROUP BY 1, 2, 3, 4, 5
HAVING count(DISTINCT institution_id) >= 2 AND count(DISTINCT receipt_id) >= 2
ORDER BY 1, 2, 3, 4, 5
"""


def check_pledges(con: duckdb.DuckDBPyConnection, *, exact_only: bool = False) -> list[Finding]:
    """Exact receipts first, then altered ids (same goods, different receipt id)."""
    con.execute(PLEDGED_SQL)
    out = from_groups(con, EXACT_SQL, check="double_pledge", variant="exact", score=1.0,
                      rule="same (warehouse_id, receipt_id) pledged at several institutions")
    if exact_only:
        return out
    return out + from_groups(
        con, ALTERED_SQL, check="double_pledge", variant="altered_id", score=0.9,
        rule="same warehouse, owner, goods, quantity and issue date under different receipt "
             "ids at several institutions")
