"""Subscriptions in DynamoDB.

Layout (one table, pk/sk):
- `SUB#<id>` / `META`: the subscription, its state and the keyed hashes of its confirmation and
  management tokens (never a raw token).
- `DOMAIN#<domain>` / `SUB#<id>`: one row per wanted domain, written only while confirmed, holding
  what matching and delivery need (no token at all). Finding a document's subscribers queries these
  rows.
- `RATE#<address hash>#<day>` / `CONFIRMATIONS`: confirmation mails sent to an address that day.

Tokens are hashed with HMAC under the deployment's token key (`domain.subscriptions.hash_token`) and
compared in constant time. The unsubscribe token is not stored: it is derived from the key and the
subscription id whenever a subscription is read, so mails can carry it. Rows written before keyed
hashing (a raw `unsubscribe_token`, unkeyed token digests) are upgraded by `migrate_tokens`; their
old unsubscribe links keep working through the keyed hash of the old token.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from gazette.adapters.dynamo import plain, read_pages, s
from gazette.adapters.errors import AWS_ERRORS, StoreError, error_code
from gazette.domain.subscriptions import (
    Channel,
    Mode,
    Narrowing,
    State,
    Subscription,
    SubscriptionError,
    hash_token,
    rekey_legacy_hash,
    token_matches,
    unsubscribe_token,
    unsubscribe_token_matches,
)

META = "META"
# Marks a META row whose token hashes are keyed; rows without it are upgraded by `migrate_tokens`.
KEYED = "hmac-sha256"


def _subscription_from(data: dict[str, Any], subscription_id: str, key: bytes) -> Subscription:
    narrowing = json.loads(data.get("narrowing", "{}"))
    return Subscription(
        subscription_id=subscription_id,
        channel=Channel(data["channel"]),
        target=data["target"],
        domains=tuple(json.loads(data["domains"])),
        mode=Mode(data.get("mode", "instant")),
        locale=data.get("locale", "zh"),
        narrowing=Narrowing(
            keywords=tuple(narrowing.get("keywords", ())),
            feeds=tuple(narrowing.get("feeds", ())),
            issuers=tuple(narrowing.get("issuers", ())),
            language=narrowing.get("language"),
        ),
        state=State(data.get("state", "pending")),
        unsubscribe_token=unsubscribe_token(key, subscription_id),
    )


def _narrowing_json(narrowing: Narrowing) -> str:
    return json.dumps(
        {
            "keywords": list(narrowing.keywords),
            "feeds": list(narrowing.feeds),
            "issuers": list(narrowing.issuers),
            "language": narrowing.language,
        },
        ensure_ascii=False,
    )


def _matching_fields(subscription: Subscription) -> dict[str, Any]:
    """What matching and delivery read: kept on the subscription and on each of its domain rows."""
    return {
        "channel": s(subscription.channel.value),
        "target": s(subscription.target),
        "domains": s(json.dumps(list(subscription.domains))),
        "mode": s(subscription.mode.value),
        "locale": s(subscription.locale),
        "narrowing": s(_narrowing_json(subscription.narrowing)),
        "state": s(subscription.state.value),
    }


class SubscriptionStore:
    def __init__(self, client: Any, table: str, *, token_key: bytes) -> None:
        if len(token_key) < 32:
            raise ValueError("the token key must hold at least 32 bytes")
        self._client = client
        self.table = table
        self._key = token_key

    def unsubscribe_token(self, subscription_id: str) -> str:
        return unsubscribe_token(self._key, subscription_id)

    # ------------------------------------------------------------------ writes
    def create_pending(
        self,
        subscription: Subscription,
        *,
        confirm_token: str,
        confirm_expires_at: datetime,
        manage_token: str,
        webhook_secret: str | None = None,
        owner_email: str | None = None,
    ) -> None:
        item = {
            "pk": s(f"SUB#{subscription.subscription_id}"),
            "sk": s(META),
            **_matching_fields(subscription),
            "manage_token_hash": s(hash_token(self._key, manage_token)),
            "confirm_token_hash": s(hash_token(self._key, confirm_token)),
            "token_hashing": s(KEYED),
            "confirm_expires_at": {"N": str(int(confirm_expires_at.timestamp()))},
            "created_at": s(datetime.now(UTC).isoformat()),
        }
        if webhook_secret:
            item["secrets"] = s(json.dumps([webhook_secret]))
        if owner_email:
            item["owner_email"] = s(owner_email)  # a webhook's owner, told when deliveries keep failing
        try:
            self._client.put_item(TableName=self.table, Item=item,
                                  ConditionExpression="attribute_not_exists(pk)")
        except AWS_ERRORS as exc:
            raise StoreError("creating a subscription failed") from exc

    def count_confirmation(self, address_hash: str, day: str, limit: int) -> bool:
        """Counts one confirmation mail for the address today; False once the daily limit is reached."""
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"pk": s(f"RATE#{address_hash}#{day}"), "sk": s("CONFIRMATIONS")},
                UpdateExpression="ADD sent :one SET expires_at = if_not_exists(expires_at, :ttl)",
                ConditionExpression="attribute_not_exists(sent) OR sent < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":ttl": {"N": str(int(datetime.now(UTC).timestamp()) + 2 * 86400)},
                },
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise StoreError("counting confirmation mails failed") from exc
        return True

    def confirm(self, subscription_id: str, token: str, now: datetime) -> Subscription:
        """Single use: the token's hash is removed in the same transaction that confirms."""
        current = self.get(subscription_id)
        if current is None:
            raise SubscriptionError("unknown or expired confirmation link")
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {"pk": s(f"SUB#{subscription_id}"), "sk": s(META)},
                    "UpdateExpression": "SET #state = :confirmed, confirmed_at = :now "
                    "REMOVE confirm_token_hash, confirm_expires_at",
                    "ConditionExpression": "#state = :pending AND confirm_token_hash = :hash "
                    "AND confirm_expires_at > :epoch",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {
                        ":confirmed": s(State.CONFIRMED.value),
                        ":pending": s(State.PENDING.value),
                        ":hash": s(hash_token(self._key, token)),
                        ":now": s(now.isoformat()),
                        ":epoch": {"N": str(int(now.timestamp()))},
                    },
                }
            }
        ]
        confirmed = Subscription(**{**_as_dict(current), "state": State.CONFIRMED})
        items.extend({"Put": {"TableName": self.table, "Item": row}} for row in self._index_rows(confirmed))
        try:
            self._client.transact_write_items(TransactItems=items)
        except AWS_ERRORS as exc:
            if error_code(exc) in {"TransactionCanceledException", "ConditionalCheckFailedException"}:
                raise SubscriptionError("unknown or expired confirmation link") from exc
            raise StoreError("confirming a subscription failed") from exc
        return confirmed

    def unsubscribe(self, subscription_id: str, token: str) -> bool:
        """Ends a subscription by its unsubscribe token; True if it was active (idempotent).

        The token is the one derived from the id, or, for links mailed before tokens were derived,
        the old random token whose keyed hash the migrated row keeps. Both are compared in constant
        time, whichever matches.
        """
        item = self.get_raw(subscription_id)
        derived = unsubscribe_token_matches(self._key, subscription_id, token)
        legacy = token_matches(self._key, token, (item or {}).get("unsubscribe_token_hash"))
        if item is None or not (derived or legacy):
            raise SubscriptionError("unknown unsubscribe link")
        current = _subscription_from(item, subscription_id, self._key)
        if current.state is State.UNSUBSCRIBED:
            return False
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {"pk": s(f"SUB#{subscription_id}"), "sk": s(META)},
                    "UpdateExpression": "SET #state = :gone",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {":gone": s(State.UNSUBSCRIBED.value)},
                }
            }
        ]
        items.extend(self._index_deletes(current))
        try:
            self._client.transact_write_items(TransactItems=items)
        except AWS_ERRORS as exc:
            raise StoreError("unsubscribing failed") from exc
        return True

    def replace_secrets(self, subscription_id: str, secrets: str, *, expected: str | None) -> None:
        """Writes a webhook's signing secrets if they are still `expected` (what the caller read)."""
        condition = "attribute_exists(pk) AND " + ("secrets = :expected" if expected is not None
                                                   else "attribute_not_exists(secrets)")
        values = {":secrets": s(secrets), **({":expected": s(expected)} if expected is not None else {})}
        try:
            self._client.update_item(
                TableName=self.table, Key={"pk": s(f"SUB#{subscription_id}"), "sk": s(META)},
                UpdateExpression="SET secrets = :secrets", ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise SubscriptionError("the subscription changed meanwhile") from exc
            raise StoreError("replacing webhook secrets failed") from exc

    def disable(self, subscription_id: str, reason: str) -> None:
        """Stops deliveries to an endpoint (e.g. it answered 410): its index rows go, its record stays."""
        current = self.get(subscription_id)
        if current is None:
            return
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {"pk": s(f"SUB#{subscription_id}"), "sk": s(META)},
                    "UpdateExpression": "SET #state = :disabled, disabled_reason = :reason",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {":disabled": s(State.DISABLED.value), ":reason": s(reason)},
                }
            }
        ]
        items.extend(self._index_deletes(current))
        try:
            self._client.transact_write_items(TransactItems=items)
        except AWS_ERRORS as exc:
            raise StoreError("disabling a subscription failed") from exc

    def _index_deletes(self, subscription: Subscription) -> list[dict[str, Any]]:
        return [
            {"Delete": {"TableName": self.table,
                        "Key": {"pk": s(f"DOMAIN#{domain}"), "sk": s(f"SUB#{subscription.subscription_id}")}}}
            for domain in subscription.domains
        ]

    def _index_rows(self, subscription: Subscription) -> list[dict[str, Any]]:
        return [
            {
                "pk": s(f"DOMAIN#{domain}"),
                "sk": s(f"SUB#{subscription.subscription_id}"),
                **_matching_fields(subscription),
            }
            for domain in subscription.domains
        ]

    # ------------------------------------------------------------------ management (token holders)
    def verify_manage_token(self, subscription_id: str, token: str) -> Subscription | None:
        """The subscription if `token` is its management token; None for an unknown id or a wrong token alike."""
        item = self.get_raw(subscription_id)
        matched = token_matches(self._key, token, (item or {}).get("manage_token_hash"))
        if item is None or not matched:
            return None
        return _subscription_from(item, subscription_id, self._key)

    def update(
        self,
        subscription_id: str,
        *,
        domains: tuple[str, ...],
        narrowing: Narrowing,
        mode: Mode,
        locale: str,
    ) -> Subscription:
        """Changes what a subscription wants; a confirmed one gets its DOMAIN# rows rewritten in the same transaction.

        The update is conditional on the state read first, so a concurrent unsubscribe never gets
        its index rows written back.
        """
        current = self.get(subscription_id)
        if current is None:
            raise SubscriptionError("unknown subscription")
        changed = Subscription(**{**_as_dict(current), "domains": tuple(dict.fromkeys(domains)),
                                  "narrowing": narrowing, "mode": mode, "locale": locale})
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {"pk": s(f"SUB#{subscription_id}"), "sk": s(META)},
                    "UpdateExpression": "SET #domains = :domains, #narrowing = :narrowing, #mode = :mode, "
                    "#locale = :locale, updated_at = :now",
                    "ConditionExpression": "#state = :state",
                    "ExpressionAttributeNames": {"#state": "state", "#mode": "mode", "#domains": "domains",
                                                 "#narrowing": "narrowing", "#locale": "locale"},
                    "ExpressionAttributeValues": {
                        ":domains": s(json.dumps(list(changed.domains))),
                        ":narrowing": s(_narrowing_json(narrowing)),
                        ":mode": s(mode.value),
                        ":locale": s(locale),
                        ":now": s(datetime.now(UTC).isoformat()),
                        ":state": s(current.state.value),
                    },
                }
            }
        ]
        if current.state is State.CONFIRMED:
            items.extend(
                {"Delete": {"TableName": self.table,
                            "Key": {"pk": s(f"DOMAIN#{domain}"), "sk": s(f"SUB#{subscription_id}")}}}
                for domain in current.domains if domain not in changed.domains
            )
            items.extend({"Put": {"TableName": self.table, "Item": row}} for row in self._index_rows(changed))
        try:
            self._client.transact_write_items(TransactItems=items)
        except AWS_ERRORS as exc:
            if error_code(exc) in {"TransactionCanceledException", "ConditionalCheckFailedException"}:
                raise SubscriptionError("the subscription changed meanwhile") from exc
            raise StoreError("updating a subscription failed") from exc
        return changed

    def delete(self, subscription_id: str) -> bool:
        """Removes the subscription and its index rows for good; False if there was nothing to remove."""
        current = self.get(subscription_id)
        if current is None:
            return False
        items: list[dict[str, Any]] = [
            {"Delete": {"TableName": self.table, "Key": {"pk": s(f"SUB#{subscription_id}"), "sk": s(META)}}}
        ]
        items.extend(self._index_deletes(current))
        try:
            self._client.transact_write_items(TransactItems=items)
        except AWS_ERRORS as exc:
            raise StoreError("deleting a subscription failed") from exc
        return True

    # ------------------------------------------------------------------ reads
    def get(self, subscription_id: str) -> Subscription | None:
        item = self.get_raw(subscription_id)
        return _subscription_from(item, subscription_id, self._key) if item else None

    def get_raw(self, subscription_id: str) -> dict[str, Any] | None:
        try:
            item = self._client.get_item(
                TableName=self.table, Key={"pk": s(f"SUB#{subscription_id}"), "sk": s(META)}
            ).get("Item")
        except AWS_ERRORS as exc:
            raise StoreError("reading a subscription failed") from exc
        return plain(item) if item else None

    def by_domain(self, domain: str, channel: Channel) -> list[Subscription]:
        """Confirmed subscriptions that want `domain` through `channel`: reads only their rows."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "channel = :channel",
            "ExpressionAttributeValues": {":pk": s(f"DOMAIN#{domain}"), ":channel": s(channel.value)},
        }
        found: list[Subscription] = []
        for item in read_pages(self._client, "query", request, what="finding subscribers"):
            data = plain(item)
            found.append(_subscription_from(data, data["sk"].removeprefix("SUB#"), self._key))
        return found

    # ------------------------------------------------------------------ migration
    def migrate_tokens(self) -> dict[str, int]:
        """Upgrades rows written before keyed hashing; safe to run again, and alongside live traffic.

        A META row without `token_hashing` gets its unkeyed digests re-hashed under the key, its raw
        unsubscribe token replaced by that token's keyed hash (old links keep working), and the
        marker, in one conditional update, so a second run or a concurrent one changes nothing.
        A DOMAIN# row loses its raw `unsubscribe_token`. Reads the table once (a one-off scan).
        """
        counts = {"subscriptions": 0, "domain_rows": 0}
        request: dict[str, Any] = {"TableName": self.table,
                                   "FilterExpression": "begins_with(pk, :sub) OR begins_with(pk, :domain)",
                                   "ExpressionAttributeValues": {":sub": s("SUB#"), ":domain": s("DOMAIN#")}}
        for item in read_pages(self._client, "scan", request, what="reading subscriptions to migrate"):
            data = plain(item)
            if data["pk"].startswith("SUB#") and data["sk"] == META and data.get("token_hashing") != KEYED:
                counts["subscriptions"] += self._migrate_meta(data)
            elif data["pk"].startswith("DOMAIN#") and "unsubscribe_token" in data:
                counts["domain_rows"] += self._strip_domain_row(data)
        return counts

    def _migrate_meta(self, data: dict[str, Any]) -> int:
        sets = ["token_hashing = :keyed"]
        values: dict[str, Any] = {":keyed": s(KEYED)}
        for name in ("manage_token_hash", "confirm_token_hash"):
            if data.get(name):
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = s(rekey_legacy_hash(self._key, data[name]))
        if data.get("unsubscribe_token"):
            sets.append("unsubscribe_token_hash = :unsubscribe")
            values[":unsubscribe"] = s(hash_token(self._key, data["unsubscribe_token"]))
        try:
            self._client.update_item(
                TableName=self.table, Key={"pk": s(data["pk"]), "sk": s(data["sk"])},
                UpdateExpression="SET " + ", ".join(sets) + " REMOVE unsubscribe_token",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(token_hashing)",
                ExpressionAttributeValues=values,
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return 0  # upgraded meanwhile by another run
            raise StoreError("migrating a subscription's tokens failed") from exc
        return 1

    def _strip_domain_row(self, data: dict[str, Any]) -> int:
        try:
            self._client.update_item(
                TableName=self.table, Key={"pk": s(data["pk"]), "sk": s(data["sk"])},
                UpdateExpression="REMOVE unsubscribe_token", ConditionExpression="attribute_exists(pk)",
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return 0  # the row went meanwhile (an unsubscribe)
            raise StoreError("migrating a subscription's index row failed") from exc
        return 1


def _as_dict(subscription: Subscription) -> dict[str, Any]:
    return {name: getattr(subscription, name) for name in Subscription.__slots__}
