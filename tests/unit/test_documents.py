from datetime import date

from gazette.domain.documents import document_id
from gazette.domain.model import SplitDocument


def test_document_id_same_issuer_and_number_gives_same_id_despite_spacing():
    a = SplitDocument(title="关于…的通知", text="正文一", doc_number="威政办字〔2024〕16号",
                      issuer="威海市人民政府办公室")
    b = SplitDocument(title="关于…的通知 ", text="另一份抽取的正文", doc_number="威政办字〔2024〕16 号",
                      issuer="威海市人民政府办公室")
    assert document_id(a) == document_id(b)


def test_document_id_different_numbers_give_different_ids():
    a = SplitDocument(title="t", text="x", doc_number="威政办字〔2024〕15号", issuer="威海市人民政府办公室")
    b = SplitDocument(title="t", text="x", doc_number="威政办字〔2024〕16号", issuer="威海市人民政府办公室")
    assert document_id(a) != document_id(b)


def test_document_id_without_number_depends_on_text_not_whitespace():
    a = SplitDocument(title="通知", text="第一段。\n第二段。", published=date(2024, 5, 1))
    b = SplitDocument(title="通知", text="第一段。 第二段。", published=date(2024, 5, 1))
    c = SplitDocument(title="通知", text="完全不同的内容。", published=date(2024, 5, 1))
    assert document_id(a) == document_id(b)
    assert document_id(a) != document_id(c)
