"""Small knowledge inputs made by the tests, in the formats of ../shared/data/FORMAT.md (plus the awkward cases)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

SECRETS = {
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "github": "ghp_1234567890abcdefghijklmnopqrstuvwxyzAB",
    "slack": "xoxb-123456789012-abcdefghijklmnop",
    "openai": "sk-proj-abcdefghijklmnopqrstuvwx1234",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "password": "Tr0ub4dor&3xyz",
    "email": "jane.doe@customer-example.com",
    "card": "4111 1111 1111 1111",
    "phone": "+1 415-555-0132",
    "private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
}


def make_docs(root: Path) -> Path:
    (root / "guides" / "sso").mkdir(parents=True)
    (root / "guides" / "sso" / "okta.md").write_text(
        "# Single sign-on with Okta\n\nIntro text about SSO.\n\n## Configure the SAML app\n\n"
        "Set the ACS URL to https://app.example.com/saml/acs and upload the certificate.\n\n"
        "## Troubleshooting\n\nIf login loops, clear the session cookie and check the clock skew.\n"
        "```\n# not a heading inside code\n```\n"
    )
    (root / "export.html").write_text(
        "<html><head><title>Exporting reports</title><script>var x=1;</script></head><body>"
        "<h1>Exporting reports</h1><p>Use the Export button on any report.</p>"
        "<h2>CSV limits</h2><p>CSV exports stop at 100,000 rows; use the API beyond that.</p>"
        "<ul><li>Schedule exports from Settings.</li></ul></body></html>"
    )
    (root / "release-notes.txt").write_text(
        "Release notes 4.2\n\nThe webhook retry policy now backs off exponentially up to one hour.\n\n"
        f"-----BEGIN RSA PRIVATE KEY-----\n{SECRETS['private_key']}\n-----END RSA PRIVATE KEY-----\n"
    )
    (root / "empty.md").write_text("   \n")
    (root / "image.png").write_bytes(b"\x89PNG not a doc")
    return root


def make_tickets_jsonl(path: Path) -> Path:
    rows = [
        {
            "id": "T-1",
            "subject": "Cannot export CSV",
            "body": "Export button greys out for big reports.",
            "answer": "Reports over 100k rows must use the export API.",
            "account_id": "acme",
            "created_at": "2025-03-01T10:00:00Z",
            "status": "solved",
            "type": "Incident",
            "queue": "Reporting",
            "priority": "high",
            "tags": ["export", "csv"],
            "language": "en",
            "product_area": "reporting",
        },
        {
            "id": "T-2",
            "subject": "SSO login loop",
            "body": f"Users loop on login. My password is {SECRETS['password']}"
            f" and key {SECRETS['aws']}; reach me at {SECRETS['email']} or {SECRETS['phone']}.",
            "answer": "Clock skew on the IdP; sync NTP.",
            "account_id": "globex",
            "status": "solved",
            "queue": "Identity",
            "custom_field": "kept",
        },
        {
            "id": "T-3",
            "subject": "How to rotate API keys",
            "body": "Where do I rotate keys?",
            "answer": "Settings > API > Rotate.",
            "public": True,
        },
        {"id": "T-4", "subject": "Private without account", "body": "nobody may see this", "answer": "ok"},
    ]
    lines = [json.dumps(r) for r in rows]
    lines.insert(2, "{not json")
    lines.insert(3, json.dumps({"subject": "no id here"}))
    lines.append(json.dumps({"id": "T-5", "subject": "", "body": ""}))
    path.write_text("\n".join(lines) + "\n")
    return path


def make_tickets_csv(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "subject", "body", "answer", "account_id", "public", "tags", "queue"])
        w.writeheader()
        w.writerow(
            {
                "id": "C-1",
                "subject": "Invoice wrong",
                "body": f"Charged twice on card {SECRETS['card']}; "
                f"our bearer {SECRETS['jwt']} and key {SECRETS['openai']}",
                "answer": "Refunded",
                "account_id": "acme",
                "tags": "billing;refund",
                "queue": "Billing",
            }
        )
        w.writerow(
            {"id": "C-2", "subject": "Public FAQ", "body": "Trial length?", "answer": "14 days", "public": "true"}
        )
        w.writerow({"id": "", "subject": "missing id", "body": "x"})
    return path


def make_zendesk(path: Path) -> Path:
    data = {
        "tickets": [
            {
                "id": 101,
                "subject": "Webhook failures",
                "description": "Our webhooks fail with 500",
                "organization_id": 9001,
                "status": "solved",
                "priority": "urgent",
                "type": "problem",
                "tags": ["webhooks"],
                "created_at": "2025-01-02T03:04:05Z",
                "comments": [
                    {"id": 1, "public": True, "body": "Our webhooks fail with 500"},
                    {
                        "id": 2,
                        "public": False,
                        "body": f"Internal: customer token {SECRETS['github']} leaked in logs; engineering bug ENG-42",
                    },
                    {"id": 3, "public": True, "body": "We fixed the retry policy; please retry."},
                ],
            },
            {"id": 102, "subject": "No org ticket", "description": "hello", "comments": []},
            {"subject": "broken, no id"},
            {"id": 103, "comments": "not a list"},
        ]
    }
    path.write_text(json.dumps(data))
    return path


def make_slack(root: Path) -> Path:
    (root / "support").mkdir(parents=True)
    (root / "random").mkdir()
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "support"}, {"id": "C2", "name": "random"}]))
    (root / "users.json").write_text(
        json.dumps(
            [
                {"id": "U1", "name": "ana", "real_name": "Ana Agent", "profile": {"display_name": "ana"}},
                {"id": "U2", "name": "bo", "profile": {"display_name": ""}, "real_name": "Bo Engineer"},
            ]
        )
    )
    (root / "support" / "2024-01-01.json").write_text(
        json.dumps(
            [
                {
                    "type": "message",
                    "user": "U1",
                    "text": "How do we reset MFA for a locked admin?",
                    "ts": "1704100000.000100",
                    "thread_ts": "1704100000.000100",
                    "reply_count": 2,
                },
                {
                    "type": "message",
                    "user": "U2",
                    "text": "<@U1> use the admin console, Security > MFA > Reset",
                    "ts": "1704100100.000200",
                    "thread_ts": "1704100000.000100",
                },
                {"type": "message", "subtype": "channel_join", "user": "U2", "text": "joined", "ts": "1704100150.0"},
                {
                    "type": "message",
                    "user": "U1",
                    "text": f"standalone note with token {SECRETS['slack']}",
                    "ts": "1704100200.000300",
                },
            ]
        )
    )
    (root / "support" / "2024-01-02.json").write_text(
        json.dumps(
            [
                {
                    "type": "message",
                    "user": "U1",
                    "text": "thanks, see <https://docs.example.com/mfa|the MFA doc>",
                    "ts": "1704190000.000400",
                    "thread_ts": "1704100000.000100",
                },
                {"type": "message", "user": "U9", "text": "bad ts", "ts": "abc"},
            ]
        )
    )
    (root / "random" / "2024-01-01.json").write_text("{broken json")
    return root


def make_accounts(path: Path) -> Path:
    if path.suffix == ".csv":
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["id", "name", "plan", "products", "sla_S1_reply"])
            w.writeheader()
            w.writerow(
                {
                    "id": "acme",
                    "name": "Acme",
                    "plan": "Enterprise",
                    "products": "sso; reporting",
                    "sla_S1_reply": "10m",
                }
            )
            w.writerow({"id": "", "name": "nameless"})
    else:
        path.write_text(
            json.dumps(
                {
                    "accounts": [
                        {
                            "id": "globex",
                            "name": "Globex",
                            "plan": "business",
                            "products": ["webhooks"],
                            "sla_overrides": {"S2": {"reply": "30m"}},
                        },
                        {"name": "no id"},
                        "not an object",
                    ]
                }
            )
        )
    return path
