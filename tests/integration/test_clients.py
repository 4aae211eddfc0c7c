import json
from urllib.parse import parse_qsl

from botocore.awsrequest import AWSRequest
from moto import mock_aws

from gazette.adapters.clients import LazyClient, aws_client, encode_form_once


def test_encode_form_once_writes_the_body_botocore_would_write_and_leaves_a_written_body_alone():
    data = {"Action": "PublishBatch", "PublishBatchRequestEntries.member.1.Message": '{"title": "关于印发 a+b&c=d"}'}
    request = AWSRequest(method="POST", url="https://sns.us-east-1.amazonaws.com/", data=dict(data))
    expected = AWSRequest(method="POST", url="https://sns.us-east-1.amazonaws.com/", data=dict(data)).body

    encode_form_once(request)
    written = request.data
    encode_form_once(request)

    assert request.data == written
    assert request.body == expected
    assert dict(parse_qsl(written)) == data


def test_an_sns_publication_encoded_once_arrives_whole_at_its_queue():
    message = json.dumps({"title": "威海市人民政府办公室关于印发威海市气象灾害应急预案的通知 a+b&c=d%20"},
                         ensure_ascii=False)
    with mock_aws():
        sns, sqs = aws_client("sns"), aws_client("sqs")
        topic = sns.create_topic(Name="documents")["TopicArn"]
        queue = sqs.create_queue(QueueName="tap")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})

        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "0", "Message": message}])
        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]

    assert [m["Body"] for m in received] == [message]


def test_a_lazy_client_is_made_at_its_first_call_and_only_once():
    with mock_aws():
        lazy = LazyClient("sqs")
        before = lazy._client

        url = lazy.create_queue(QueueName="dead-letters")["QueueUrl"]
        made = lazy._client
        listed = lazy.list_queues()["QueueUrls"]

        assert (before, listed, lazy._client is made) == (None, [url], True)
