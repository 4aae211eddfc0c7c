from gazette.adapters.dynamo import DocumentIndex, DocumentStore, n, s


def _item(doc_id, domains):
    return {"doc_id": s(doc_id), "feed_id": s("f"), "entry_id": s(doc_id), "title": s(f"标题 {doc_id}"),
            "language": s("zh-Hans"), "domains": {"L": [s(d) for d in domains]}, "domain_count": n(len(domains)),
            "summary": s("摘要"), "created_at": s("2024-06-01T00:00:00+00:00"), "published": s("2024-05-10")}


def test_new_documents_are_stored_with_their_listing_rows_and_a_known_one_writes_neither(aws_stack):
    dynamodb = aws_stack.client("dynamodb")
    documents = DocumentStore(dynamodb, aws_stack.tables["DocumentsTable"])
    index = DocumentIndex(dynamodb, aws_stack.tables["DocumentIndexTable"], aws_stack.tables["DocumentsTable"])
    documents.put_new([_item("doc_known", ["bidding"])])
    calls = []
    dynamodb.meta.events.register("before-call", lambda model, **_: calls.append(model.name))

    created, existing = documents.put_new([_item("doc_a", ["disasters", "science"]), _item("doc_known", ["bidding"]),
                                           _item("doc_b", [])], index)
    writes = list(calls)

    rows = dynamodb.scan(TableName=aws_stack.tables["DocumentIndexTable"])["Items"]
    assert (created, existing) == ([0, 2], [1])
    assert sorted((row["pk"]["S"], row["sk"]["S"]) for row in rows) == [
        ("DOMAIN#disasters", "2024-05-10#doc_a"), ("DOMAIN#none", "2024-05-10#doc_b"),
        ("DOMAIN#science", "2024-05-10#doc_a")]
    assert writes == ["TransactWriteItems", "TransactWriteItems"]  # cancelled once by doc_known, then written
