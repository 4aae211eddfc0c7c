"""Splitting a gazette issue into documents, on the real seed issue and on small pages."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from gazette.domain.model import SplitDocument
from gazette.domain.repair import repair_text
from gazette.domain.split import split_issue
from gazette.domain.split_eval import normalise_text

TESTS = Path(__file__).resolve().parents[1]
SEED = TESTS / "fixtures" / "wendeng-2024-02.txt"
# The seven documents of the seed issue, whole: each line of the issue given to its document by
# reading it (the split corpus's copy, shared).
SEED_EXPECTED = TESTS / "data" / "gazettes" / "expected" / "real-wendeng-2024-02.json"


def comparable(docs: list[SplitDocument]) -> list[tuple]:
    """Fields exact, texts as the corpus compares them (line breaks and spacing aside)."""
    return [(d.doc_number, d.issuer, d.title, d.published, normalise_text(d.text)) for d in docs]


def expected_documents(path: Path) -> list[SplitDocument]:
    documents = json.loads(path.read_text(encoding="utf-8"))["documents"]
    return [
        SplitDocument(
            title=doc["title"],
            text=doc["text"],
            doc_number=doc["doc_number"],
            issuer=doc["issuer"],
            published=date.fromisoformat(doc["published"]) if doc["published"] else None,
        )
        for doc in documents
    ]


def characters(texts: list[str]) -> Counter[str]:
    return Counter(ch for text in texts for ch in text if not ch.isspace())


@pytest.fixture(scope="module")
def seed_documents() -> list[SplitDocument]:
    return split_issue(SEED.read_text(encoding="utf-8"))


def test_split_issue_seed_gives_the_seven_whole_documents(seed_documents: list[SplitDocument]) -> None:
    assert comparable(seed_documents) == comparable(expected_documents(SEED_EXPECTED))


def test_split_issue_seed_every_character_lands_in_one_document_or_a_header(
    seed_documents: list[SplitDocument],
) -> None:
    # Header blocks (number, issuer, title) and the running page header are the only text left out.
    issue = repair_text(SEED.read_text(encoding="utf-8"))
    headers = [
        "国办发〔2024〕21号国务院办公厅关于创新完善体制机制推动招标投标市场规范健康发展的意见",
        "鲁政发〔2024〕3号山东省人民政府关于印发山东省推动大规模设备更新和消费品以旧换新实施方案的通知",
        "鲁政办字〔2024〕53号山东省人民政府办公厅关于进一步促进消费持续向好的意见",
        "威政办字〔2024〕15号威海市人民政府办公室关于印发威海市全国基层中医药工作示范市创建方案的通知",
        "威政办字〔2024〕16号威海市人民政府办公室关于印发威海市气象灾害应急预案的通知",
        "威文政发〔2024〕6号威海市文登区人民政府关于印发《威海市文登区科技创新发展三年行动方案（2024—2026年）》的通知",
        "威文政办发〔2024〕4号威海市文登区人民政府办公室关于印发《威海市文登区2024年地质灾害防治方案》的通知",
    ]
    assert characters([doc.text for doc in seed_documents] + headers) == characters([issue])


# --- layouts, each on real documents (www.gov.cn policy pages, see tests/data/gazettes/SOURCES.md) ---

# 国函〔1996〕95号, http://www.gov.cn/zhengce/content/2018-11/12/content_5345407.htm
WUJING = [
    "武警总部：",
    "关于武警总部后勤部机关及部分直属单位迁址新建的请示（〔1996〕武司字第82号）收悉，现批复如下：",
    "同意武警总部后勤部机关及部分直属单位迁址新建，所需建设资金由你们自筹解决，其他有关具体事宜请商北京市政府和有关部门办理。",
    "国务院　中央军委",
    "一九九六年十一月五日",
]
WUJING_DOC = SplitDocument(
    title="关于同意武警总部后勤部机关等迁址新建的批复",
    text="\n".join(WUJING),
    doc_number="国函〔1996〕95号",
    issuer="国务院 中央军委",
    published=date(1996, 11, 5),
)
# 国办函〔2004〕36号, http://www.gov.cn/zhengce/content/2018-12/24/content_5351624.htm
HARBIN = [
    "黑龙江省人民政府，教育部、外交部、财政部、体育总局：",
    "教育部、外交部、财政部、体育总局《关于以哈尔滨市名义申请举办2009年世界大学生冬季运动会的请示》"
    "（教外际〔2004〕14号）收悉。经国务院领导同志批准，现函复如下：",
    "同意以哈尔滨市名义申办2009年第二十四届世界大学生冬季运动会。运动会申办全部经费由黑龙江省人民政府承担；"
    "运动会举办的主要经费由黑龙江省人民政府承担，中央财政将视情况对国际大体联官员、特邀贵宾的接待费给予一定补助。"
    "请有关方面抓紧向国际大体联申报。",
    "国务院办公厅",
    "二〇〇四年四月二十七日",
]
HARBIN_DOC = SplitDocument(
    title="关于同意以哈尔滨市名义申办2009年第二十四届世界大学生冬季运动会的复函",
    text="\n".join(HARBIN),
    doc_number="国办函〔2004〕36号",
    issuer="国务院办公厅",
    published=date(2004, 4, 27),
)
# 国办函〔1996〕14号, http://www.gov.cn/zhengce/content/2018-12/03/content_5345413.htm
WEATHER_STATIONS = [
    "中国气象局：",
    "你局《关于广东与香港澳门合建自动气象站网的请示》收悉。经与有关部门协商，并报经国务院批准，现就有关事项答复如下：",
    "一、同意广东省气象局与香港天文台合建3个自动气象站；与澳门地球物理气象台合建2个自动气象站。",
    "二、气象站网组建中的有关具体事宜，请中国气象局按照《国务院批转外交部和国务院港澳办公室关于内地同香港、"
    "澳门之间官方往来问题请示的通知》（国发〔1986〕97号）和有关规定精神，与有关部门和地方政府协商办理。"
    "气象站建设的具体实施方案，按基建程序报批。",
    "三、合建的气象专用网，应按有关通信出入境管理的规定办理审批手续，并报国家安全部门和通信主管部门备案。",
    "国务院办公厅",
    "一九九六年二月六日",
    "（本文有删减）",
]
WEATHER_STATIONS_DOC = SplitDocument(
    title="关于广东与香港、澳门合建自动气象站网有关问题的复函",
    text="\n".join(WEATHER_STATIONS),
    doc_number="国办函〔1996〕14号",
    issuer="国务院办公厅",
    published=date(1996, 2, 6),
)


def test_split_issue_ordinary_layout_with_running_headers_gives_each_document_whole() -> None:
    # Number, issuer, title over two lines, body; running headers with the page number either side.
    text = "\n".join(
        [
            "国办函〔2004〕36号",
            "国务院办公厅",
            "关于同意以哈尔滨市名义申办2009年第二十四届",
            "世界大学生冬季运动会的复函",
            *HARBIN[:2],
            "1国务院公报 2004·20",
            *HARBIN[2:],
            "国函〔1996〕95号",
            "国务院　中央军委",
            "关于同意武警总部后勤部机关等迁址新建的批复",
            *WUJING[:3],
            "国务院公报 2004·20 2",
            *WUJING[3:],
        ]
    )
    assert split_issue(text) == [HARBIN_DOC, WUJING_DOC]


def test_split_issue_number_at_a_page_foot_joins_issuer_and_title_on_the_next_page() -> None:
    # Two columns read column by column: the number, full width, ends a page; the page's right
    # column (the document before, going on) is read next; issuer and title open the next page.
    text = "\n".join(
        [
            "国办函〔2004〕36号",
            "国务院办公厅",
            "关于同意以哈尔滨市名义申办2009年第二十四届",
            "世界大学生冬季运动会的复函",
            *HARBIN[:2],
            "国函〔1996〕95号",
            *HARBIN[2:],
            "国务院公报 2004·20 1",
            "国务院　中央军委",
            "关于同意武警总部后勤部机关等迁址新建的批复",
            *WUJING,
        ]
    )
    assert split_issue(text) == [HARBIN_DOC, WUJING_DOC]


def test_split_issue_title_printed_first_gives_issuer_and_title_apart() -> None:
    # The State Council's pages: the title, with its issuers' names in front, above the number.
    text = "\n".join(
        [
            "国务院办公厅关于同意以哈尔滨市名义",
            "申办2009年第二十四届世界",
            "大学生冬季运动会的复函",
            "国办函〔2004〕36号",
            *HARBIN,
            "国务院、中央军委关于同意武警总部",
            "后勤部机关等迁址新建的批复",
            "国函〔1996〕95号",
            *WUJING,
        ]
    )
    assert split_issue(text) == [HARBIN_DOC, WUJING_DOC]


def test_split_issue_cited_number_alone_on_a_line_stays_in_its_sentence() -> None:
    cited = WEATHER_STATIONS[3]
    before, after = cited.split("国发〔1986〕97号")
    text = "\n".join(
        [
            "国办函〔1996〕14号",
            "国务院办公厅",
            "关于广东与香港、澳门合建自动气象站网有关问题的复函",
            *WEATHER_STATIONS[:3],
            before,
            "国发〔1986〕97号",
            after,
            *WEATHER_STATIONS[4:],
            "国函〔1996〕95号",
            "国务院　中央军委",
            "关于同意武警总部后勤部机关等迁址新建的批复",
            *WUJING,
        ]
    )
    assert split_issue(text) == [WEATHER_STATIONS_DOC, WUJING_DOC]


def test_split_issue_traditional_script_gives_numbers_titles_and_dates() -> None:
    # 國辦函〔2004〕88號 (content_5351573) as a Traditional-script gazette prints it, lines as extracted.
    lines = [
        "廣東省人民政府，教育部、外交部、財政部、體育總局",
        "：",
        "教育部、外交部、財政部、體育總局《關於以深圳市名",
        "義申辦2011年世界大學生夏季運動會的請示》（教",
        "外際〔2004〕81號）收悉。經國務院領導同志批",
        "準，現函覆如下：",
        "同意以深圳市名義申辦2011年第26屆世界大學生",
        "夏季運動會（以下簡稱運動會）。運動會申辦全部經費",
        "由廣東省人民政府承擔；運動會舉辦的主要經費由廣東",
        "省人民政府承擔，中央財政將視情況對國際大體聯官員",
        "、特邀貴賓的接待費給予一定補助。請有關方面抓緊向",
        "國際大體聯申報。",
        "國務院辦公廳",
        "二〇〇四年十二月十七日",
    ]
    text = "\n".join(["國辦函〔2004〕88號", "國務院辦公廳", "關於同意以深圳市名義申辦2011年第",
                     "26屆世界大學生夏季運動會的覆函", *lines])
    assert split_issue(text) == [
        SplitDocument(
            title="關於同意以深圳市名義申辦2011年第26屆世界大學生夏季運動會的覆函",
            text="廣東省人民政府，教育部、外交部、財政部、體育總局：\n"
            "教育部、外交部、財政部、體育總局《關於以深圳市名義申辦2011年世界大學生夏季運動會的請示》"
            "（教外際〔2004〕81號）收悉。經國務院領導同志批準，現函覆如下：\n"
            "同意以深圳市名義申辦2011年第26屆世界大學生夏季運動會（以下簡稱運動會）。運動會申辦全部經費"
            "由廣東省人民政府承擔；運動會舉辦的主要經費由廣東省人民政府承擔，中央財政將視情況對國際大體聯官員"
            "、特邀貴賓的接待費給予一定補助。請有關方面抓緊向國際大體聯申報。\n"
            "國務院辦公廳\n"
            "二〇〇四年十二月十七日",
            doc_number="國辦函〔2004〕88號",
            issuer="國務院辦公廳",
            published=date(2004, 12, 17),
        )
    ]


def test_split_issue_dates_with_spaces_and_spaced_numbers_are_read() -> None:
    # As PDF extraction spaces them: `〔1996〕95 号`, `1996 年 11 月 5 日`.
    text = "\n".join(
        [
            "国函〔1996〕95 号",
            "国务院　中央军委",
            "关于同意武警总部后勤部机关等迁址新建的批复",
            *WUJING[:4],
            "1996 年 11 月 5 日",
        ]
    )
    (doc,) = split_issue(text)
    assert (doc.doc_number, doc.issuer, doc.published) == ("国函〔1996〕95号", "国务院 中央军委", date(1996, 11, 5))
    assert doc.text == "\n".join([*WUJING[:4], "1996年11月5日"])


def test_split_issue_attachment_stays_with_its_document() -> None:
    # 国办函〔2018〕74号 (content_5339579) lists its members after the notice; the next document follows.
    members = [
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
        "根据机构设置、人员变动情况和工作需要，国务院决定对国务院第二次全国污染源普查领导小组"
        "（以下简称领导小组）组成人员进行相应调整。现将调整后的名单通知如下：",
        "组　长：韩　正　　国务院副总理",
        "副组长：丁学东　　国务院副秘书长",
        "李干杰　　生态环境部部长",
        "领导小组办公室设在生态环境部，办公室主任由生态环境部副部长赵英民兼任。"
        "领导小组成员因工作变动等需要调整的，由所在单位向领导小组办公室提出，报领导小组组长审批。",
        "国务院办公厅",
        "2018年11月5日",
        "（此件公开发布）",
    ]
    text = "\n".join(
        [
            "国办函〔2018〕74号",
            "国务院办公厅",
            "关于调整国务院第二次全国污染源普查",
            "领导小组组成人员的通知",
            *members,
            "国函〔1996〕95号",
            "国务院　中央军委",
            "关于同意武警总部后勤部机关等迁址新建的批复",
            *WUJING,
        ]
    )
    assert split_issue(text) == [
        SplitDocument(
            title="关于调整国务院第二次全国污染源普查领导小组组成人员的通知",
            text="\n".join(members),
            doc_number="国办函〔2018〕74号",
            issuer="国务院办公厅",
            published=date(2018, 11, 5),
        ),
        WUJING_DOC,
    ]


# 最高人民法院关于涉网络知识产权侵权纠纷几个法律适用问题的批复 (no number), as published:
# https://github.com/LawRefBook/Laws/blob/2f4c5c23716267af9dbebbbbd6cbbf732b101981/司法解释/最高人民法院关于涉网络知识产权侵权纠纷几个法律适用问题的批复.md
INTERNET_IP = [
    "2020年8月24日 最高人民法院审判委员会第1810次会议通过",
    "2020年9月14日 施行",
    "各省、自治区、直辖市高级人民法院，解放军军事法院，新疆维吾尔自治区高级人民法院生产建设兵团分院：",
    "近来，有关方面就涉网络知识产权侵权纠纷法律适用的一些问题提出建议，部分高级人民法院也向本院提出了请示。经研究，批复如下。",
    "一、知识产权权利人主张其权利受到侵害并提出保全申请，要求网络服务提供者、电子商务平台经营者迅速采取删除、屏蔽、断开链接等下架措施的，人民法院应当依法审查并作出裁定。",
    "二、网络服务提供者、电子商务平台经营者收到知识产权权利人依法发出的通知后，应当及时将权利人的通知转送相关网络用户、平台内经营者，并根据构成侵权的初步证据和服务类型采取必要措施；未依法采取必要措施，权利人主张网络服务提供者、电子商务平台经营者对损害的扩大部分与网络用户、平台内经营者承担连带责任的，人民法院可以依法予以支持。",
    "三、在依法转送的不存在侵权行为的声明到达知识产权权利人后的合理期限内，网络服务提供者、电子商务平台经营者未收到权利人已经投诉或者提起诉讼通知的，应当及时终止所采取的删除、屏蔽、断开链接等下架措施。因办理公证、认证手续等权利人无法控制的特殊情况导致的延迟，不计入上述期限，但该期限最长不超过20个工作日。",
    "四、因恶意提交声明导致电子商务平台经营者终止必要措施并造成知识产权权利人损害，权利人依照有关法律规定请求相应惩罚性赔偿的，人民法院可以依法予以支持。",
    "五、知识产权权利人发出的通知内容与客观事实不符，但其在诉讼中主张该通知系善意提交并请求免责，且能够举证证明的，人民法院依法审查属实后应当予以支持。",
    "六、本批复作出时尚未终审的案件，适用本批复；本批复作出时已经终审，当事人申请再审或者按照审判监督程序决定再审的案件，不适用本批复。",
]


def test_split_issue_document_without_a_number_is_found_by_its_issuer_and_title() -> None:
    text = "\n".join(
        ["最高人民法院", "关于涉网络知识产权侵权纠纷几个", "法律适用问题的批复", *INTERNET_IP,
         "国函〔1996〕95号", "国务院　中央军委", "关于同意武警总部后勤部机关等迁址新建的批复", *WUJING]
    )
    assert split_issue(text) == [
        SplitDocument(
            title="关于涉网络知识产权侵权纠纷几个法律适用问题的批复",
            text="\n".join(INTERNET_IP),
            issuer="最高人民法院",
        ),
        WUJING_DOC,
    ]


# 郑州高新技术产业开发区管委会, 2018 (opening as published; tests/data/devset.jsonl record
# zzgx-shengchan-anquan-yuan-2018, http://henan.kjzch.com/zhengzhou/2018-02-02/554913.html)
ZZGX = [
    "各局、办,各办事处,各有关单位:",
    "为适应郑州高新区经济和社会发展的需要,结合《中华人民共和国安全生产法》、《中华人民共和国突发事件应对法》、"
    "《生产安全事故应急预案管理办法》等有关法律法规,在广泛征求意见的基础上,"
    "高新区管委会组织修订了《郑州高新技术产业开发区生产安全事故应急预案》,现印发给你们,请认真贯彻执行。",
]


def test_split_issue_issuer_ending_in_guanweihui_keeps_its_name_and_its_text() -> None:
    text = "\n".join(
        ["郑州高新技术产业开发区管委会", "关于修订郑州高新技术产业开发区生产安全事故", "应急预案的通知", *ZZGX,
         "国函〔1996〕95号", "国务院　中央军委", "关于同意武警总部后勤部机关等迁址新建的批复", *WUJING]
    )
    assert split_issue(text) == [
        SplitDocument(
            title="关于修订郑州高新技术产业开发区生产安全事故应急预案的通知",
            text="\n".join(ZZGX),
            issuer="郑州高新技术产业开发区管委会",
        ),
        WUJING_DOC,
    ]


def test_split_issue_header_with_no_text_keeps_the_issue_whole_with_a_warning() -> None:
    # A contents list printing a header above the next document's header is no layout the
    # splitter can place: the issue stays one document, every line in it, and says why.
    lines = [
        "国办函〔1996〕14号",
        "国务院办公厅",
        "关于广东与香港、澳门合建自动气象站网有关问题的复函",
        "国函〔1996〕95号",
        "国务院　中央军委",
        "关于同意武警总部后勤部机关等迁址新建的批复",
        *WUJING,
    ]
    assert split_issue("\n".join(lines)) == [
        SplitDocument(
            title="国办函〔1996〕14号",
            text="\n".join(
                [
                    "国办函〔1996〕14号",
                    "国务院办公厅关于广东与香港、澳门合建自动气象站网有关问题的复函",
                    "国函〔1996〕95号",
                    "国务院　中央军委关于同意武警总部后勤部机关等迁址新建的批复",
                    *WUJING,
                ]
            ),
            split_warning="a header with no text under it",
        )
    ]


def test_split_issue_page_without_number_opening_with_issuer_and_title_gives_both() -> None:
    # A policy page: 科技部关于进一步推动科技型中小企业创新发展的若干意见 (devset most-kjxzxqy-chuangxin-2015).
    body = (
        "各省、自治区、直辖市及计划单列市科技厅(委、局),新疆生产建设兵团科技局:为深入贯彻党的十八大、"
        "十八届三中全会精神,全面落实《中共中央国务院关于深化科技体制改革加快国家创新体系建设的意见》"
        "(中发〔2012〕6号),实施创新驱动发展战略"
    )
    (doc,) = split_issue("科技部关于进一步推动科技型中小企业创新发展的若干意见\n" + body)
    assert doc == SplitDocument(title="关于进一步推动科技型中小企业创新发展的若干意见", text=body, issuer="科技部")


@pytest.mark.parametrize("blank", ["", "   ", "\n\n\t \u3000\n"])
def test_split_issue_empty_text_gives_no_documents(blank: str) -> None:
    assert split_issue(blank) == []
