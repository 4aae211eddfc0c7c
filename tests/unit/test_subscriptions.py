import hashlib
import hmac

from gazette.domain.subscriptions import (
    Channel,
    Narrowing,
    State,
    Subscription,
    hash_token,
    legacy_hash,
    matches,
    rekey_legacy_hash,
    token_matches,
    unsubscribe_token,
    unsubscribe_token_matches,
)

KEY = b"k" * 32

DOC = {"domains": ["disasters"], "title": "关于印发威海市气象灾害应急预案的通知", "text": "气象灾害",
       "feed_id": "weihai", "issuer": "威海市人民政府办公室", "language": "zh-Hans"}


def _sub(**changes) -> Subscription:
    fields = {"subscription_id": "sub_1", "channel": Channel.EMAIL, "target": "r@example.org",
              "domains": ("disasters",), "state": State.CONFIRMED}
    fields.update(changes)
    return Subscription(**fields)


def test_confirmed_subscription_of_the_documents_domain_matches():
    assert matches(_sub(), **DOC)


def test_pending_or_unsubscribed_subscription_never_matches():
    assert not matches(_sub(state=State.PENDING), **DOC)
    assert not matches(_sub(state=State.UNSUBSCRIBED), **DOC)


def test_subscription_of_another_domain_does_not_match():
    assert not matches(_sub(domains=("science",)), **DOC)


def test_keyword_narrowing_matches_only_documents_containing_a_keyword():
    assert matches(_sub(narrowing=Narrowing(keywords=("气象",))), **DOC)
    assert not matches(_sub(narrowing=Narrowing(keywords=("地震",))), **DOC)


def test_feed_issuer_and_language_narrowing_each_exclude_others():
    assert not matches(_sub(narrowing=Narrowing(feeds=("other",))), **DOC)
    assert not matches(_sub(narrowing=Narrowing(issuers=("山东省人民政府",))), **DOC)
    assert not matches(_sub(narrowing=Narrowing(language="en")), **DOC)
    assert matches(_sub(narrowing=Narrowing(language="zh")), **DOC)


def test_hash_token_is_the_hmac_of_the_tokens_digest_under_the_key():
    digest = hashlib.sha256(b"secret-token").hexdigest()
    assert hash_token(KEY, "secret-token") == hmac.new(KEY, digest.encode(), hashlib.sha256).hexdigest()


def test_hash_token_under_another_key_differs():
    assert hash_token(KEY, "secret-token") != hash_token(b"j" * 32, "secret-token")


def test_rekeying_a_legacy_digest_gives_the_keyed_hash_of_its_token():
    assert rekey_legacy_hash(KEY, legacy_hash("secret-token")) == hash_token(KEY, "secret-token")


def test_token_matches_only_the_token_whose_keyed_hash_is_stored():
    stored = hash_token(KEY, "secret-token")
    assert token_matches(KEY, "secret-token", stored)
    assert not token_matches(KEY, "secret-tokeN", stored)
    assert not token_matches(KEY, "", None)
    assert not token_matches(KEY, "secret-token", legacy_hash("secret-token"))


def test_unsubscribe_token_is_an_unpadded_urlsafe_hmac_of_the_id():
    token = unsubscribe_token(KEY, "sub_1")
    assert len(token) == 43 and set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert unsubscribe_token_matches(KEY, "sub_1", token)
    assert not unsubscribe_token_matches(KEY, "sub_2", token)
    assert not unsubscribe_token_matches(b"j" * 32, "sub_1", token)
    assert not unsubscribe_token_matches(KEY, "sub_1", "令牌")
