"""The local stack creates exactly what template.yaml declares."""

from gazette_local.template import load_template, resources_of_type


def test_tables_have_the_keys_and_streams_of_the_template(aws_stack):
    dynamodb = aws_stack.client("dynamodb")
    for logical, definition in resources_of_type(load_template(), "AWS::DynamoDB::Table").items():
        table = dynamodb.describe_table(TableName=aws_stack.tables[logical])["Table"]
        assert table["KeySchema"] == definition["Properties"]["KeySchema"]
        has_stream = "StreamSpecification" in definition["Properties"]
        assert bool(table.get("StreamSpecification", {}).get("StreamEnabled")) == has_stream


def test_every_consumed_queue_redrives_to_its_dead_letter_queue(aws_stack):
    sqs = aws_stack.client("sqs")
    for logical, url in aws_stack.queues.items():
        if logical.endswith("DLQ"):
            continue
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]
        assert logical.replace("Queue", "DLQ") in attributes["RedrivePolicy"]


def test_topic_delivers_only_documents_with_a_domain_to_the_mail_queue(aws_stack):
    from gazette.adapters.messaging import Topic
    from gazette.messages import DocumentOut
    from gazette.services.publish import document_event, publication

    topic = Topic(aws_stack.client("sns"), aws_stack.environment()["DOCUMENTS_TOPIC_ARN"])

    def doc(doc_id, domains):
        return DocumentOut(id=doc_id, title="t", feed_id="f", language="zh-Hans", domains=domains,
                           text_url="s3://b/k")

    failed = topic.publish_all([publication(document_event(doc("doc_a", ["disasters"])), "1"),
                                publication(document_event(doc("doc_b", [])), "2")])
    assert failed == []
    sqs = aws_stack.client("sqs")
    received = sqs.receive_message(QueueUrl=aws_stack.queues["EmailQueue"], MaxNumberOfMessages=10,
                                   MessageAttributeNames=["All"])["Messages"]
    assert [__import__("json").loads(m["Body"])["document"]["id"] for m in received] == ["doc_a"]


def test_feeds_load_writes_the_registry_and_only_enabled_feeds_are_due(aws_stack, tmp_path, capsys):
    from datetime import UTC, datetime

    from gazette.adapters.dynamo import FeedStore
    from gazette_local.cli import main

    registry = tmp_path / "feeds.yaml"
    registry.write_text(
        "- {feed_id: feed-on, url: 'https://example.org/a.xml', name: A}\n"
        "- {feed_id: feed-off, url: 'https://example.org/b.xml', name: B, enabled: false}\n", encoding="utf-8")

    assert main(["feeds", "load", str(registry), "--table", aws_stack.tables["FeedsTable"]]) == 0
    assert capsys.readouterr().out == f"2 feeds written to {aws_stack.tables['FeedsTable']}\n"
    store = FeedStore(aws_stack.client("dynamodb"), aws_stack.tables["FeedsTable"])
    assert store.due_feeds(datetime.now(UTC).timestamp()) == ["feed-on"]


def test_feeds_load_flags_the_sources_that_share_a_host_and_says_so(aws_stack, tmp_path, capsys):
    from gazette.adapters.dynamo import FeedStore
    from gazette_local.cli import main

    registry = tmp_path / "feeds.yaml"
    registry.write_text(
        "- {feed_id: gov-a, url: 'https://www.gov.cn/zhengce/a.xml', name: A}\n"
        "- {feed_id: gov-b, url: 'https://WWW.gov.cn/zhengce/b.xml', name: B}\n"
        "- {feed_id: other, url: 'https://www.federalregister.gov/c.rss', name: C}\n", encoding="utf-8")

    assert main(["feeds", "load", str(registry), "--table", aws_stack.tables["FeedsTable"]]) == 0

    assert capsys.readouterr().out == (
        f"3 feeds written to {aws_stack.tables['FeedsTable']}\n"
        "www.gov.cn: 2 sources share this host; it gets one request at a time, spaced by HostMinInterval\n")
    store = FeedStore(aws_stack.client("dynamodb"), aws_stack.tables["FeedsTable"])
    assert {feed["feed_id"]: feed.get("host_shared", False) for feed in store.list_feeds()} == {
        "gov-a": True, "gov-b": True, "other": False}


def test_anyones_own_queue_with_a_filter_policy_gets_only_the_documents_it_asked_for(aws_stack):
    import json

    from gazette.adapters.messaging import Topic
    from gazette.messages import DocumentOut
    from gazette.services.publish import document_event, publication

    sqs, sns = aws_stack.client("sqs"), aws_stack.client("sns")
    topic_arn = aws_stack.environment()["DOCUMENTS_TOPIC_ARN"]
    queues = {}
    for name, policy in (("disasters-only", {"domains": ["disasters"]}),
                         ("no-domain", {"domain_count": [{"numeric": ["=", 0]}]}),
                         ("english", {"language": ["en"]})):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn,
                      Attributes={"FilterPolicy": json.dumps(policy), "RawMessageDelivery": "true"})
        queues[name] = url

    def doc(doc_id, domains, language="zh-Hans"):
        return DocumentOut(id=doc_id, title="t", feed_id="f", language=language, domains=domains)

    Topic(sns, topic_arn).publish_all([
        publication(document_event(doc("doc_flood", ["disasters"])), "1"),
        publication(document_event(doc("doc_both", ["bidding", "disasters"])), "2"),
        publication(document_event(doc("doc_none", [])), "3"),
        publication(document_event(doc("doc_en", ["science"], "en")), "4"),
    ])

    def received(name):
        messages = sqs.receive_message(QueueUrl=queues[name], MaxNumberOfMessages=10).get("Messages", [])
        return sorted(json.loads(m["Body"])["document"]["id"] for m in messages)

    assert received("disasters-only") == ["doc_both", "doc_flood"]
    assert received("no-domain") == ["doc_none"]
    assert received("english") == ["doc_en"]


def test_feeds_load_keeps_a_list_sources_spec_with_it_for_the_poller(aws_stack, tmp_path):
    from gazette.adapters.dynamo import FeedStore
    from gazette.domain.registry import SourceSpec, load_registry
    from gazette_local.cli import main

    registry = tmp_path / "feeds.yaml"
    registry.write_text(
        "- feed_id: weihai-files\n"
        "  type: html_list\n"
        "  url: https://www.weihai.gov.cn/col/col1234/index.html\n"
        "  name: 威海市 政府文件\n"
        "  item: 'ul.list li'\n"
        "  fields:\n"
        "    title: {selector: a, attr: title}\n"
        "    link: {selector: a, attr: href}\n"
        "    date: {selector: span.date}\n"
        "  link_pattern: '/art/\\d{4}/'\n"
        "  unwrap_cdata: true\n"
        "- {feed_id: plain, url: 'https://www.example.org/a.xml', name: A}\n", encoding="utf-8")

    assert main(["feeds", "load", str(registry), "--table", aws_stack.tables["FeedsTable"]]) == 0

    store = FeedStore(aws_stack.client("dynamodb"), aws_stack.tables["FeedsTable"])
    listed, plain = store.get("weihai-files"), store.get("plain")
    assert SourceSpec.model_validate_json(listed["source_spec"]) == load_registry(registry)[0].source_spec()
    assert (listed["source_type"], plain["source_type"], "source_spec" in plain) == ("html_list", "feed", False)
