from gazette.domain.subscriptions import Channel, Narrowing, State, Subscription, hash_token, matches

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


def test_tokens_are_stored_as_hashes_not_in_clear():
    assert hash_token("secret-token") != "secret-token"
    assert len(hash_token("secret-token")) == 64
