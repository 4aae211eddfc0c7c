"""The domain classifier on real documents: the seed issue's seven documents and the hard cases.

Every text below is real: cut from the seed gazette issue (tests/fixtures/wendeng-2024-02.txt,
威海市文登区人民政府公报 2024年第2期), from the development set's public government documents
(tests/data/devset.jsonl; the source of each is named), or, for the Traditional-script seed
documents, the seed's own text converted to Traditional characters with OpenCC (s2twp, s2hk).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.domain.classify import Classifier, default_classifier
from gazette.domain.evaluate import load_jsonl
from gazette.domain.model import Classification, Evidence
from gazette.domain.taxonomy import load_taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEED_DOCUMENTS = json.loads((FIXTURES / "seed_documents.json").read_text(encoding="utf-8"))
SEED_TEXT = (FIXTURES / "wendeng-2024-02.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_taxonomy())


def seed_passage(start: str, end: str) -> str:
    """The seed issue's text from the marker start up to (not including) the marker end."""
    first = SEED_TEXT.index(start)
    return SEED_TEXT[first : SEED_TEXT.index(end, first)]


def compact(text: str) -> str:
    """The text without whitespace (the seed's extraction breaks lines inside words)."""
    return "".join(text.split())


def terms(result: Classification, domain: str) -> set[str]:
    return {e.term for e in result.evidence.get(domain, ()) if e.weight > 0}


# --- the seed issue ------------------------------------------------------------------------


@pytest.mark.parametrize("document", SEED_DOCUMENTS, ids=[d["doc_number"] for d in SEED_DOCUMENTS])
def test_classify_seed_document_gets_exactly_its_domains(classifier: Classifier, document: dict) -> None:
    result = classifier.classify(document["title"], document["body"], document["doc_number"])

    assert list(result.domains) == document["domains"]


@pytest.mark.parametrize(
    ("doc_number", "title", "domains"),
    [
        ("国办发〔2024〕21号", "关于创新完善体制机制推动招标投标市场规范健康发展的意见", ["bidding"]),
        (
            "鲁政发〔2024〕3号",
            "关于印发山东省推动大规模设备更新和消费品以旧换新实施方案的通知",
            ["consumption"],
        ),
        ("鲁政办字〔2024〕53号", "关于进一步促进消费持续向好的意见", ["consumption"]),
        ("威政办字〔2024〕15号", "关于印发威海市全国基层中医药工作示范市创建方案的通知", []),
        ("威政办字〔2024〕16号", "关于印发威海市气象灾害应急预案的通知", ["disasters"]),
        (
            "威文政发〔2024〕6号",
            "关于印发《威海市文登区科技创新发展三年行动方案（2024—2026年）》的通知",
            ["science"],
        ),
        ("威文政办发〔2024〕4号", "关于印发《威海市文登区2024年地质灾害防治方案》的通知", ["disasters"]),
    ],
)
def test_classify_seed_short_title_and_doc_number_without_body_gets_its_domains(
    classifier: Classifier, doc_number: str, title: str, domains: list[str]
) -> None:
    assert list(classifier.classify(title, "", doc_number).domains) == domains


# --- hard cases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "doc_number", "body"),
    [
        pytest.param(
            "宁明县人民政府办公室关于印发宁明县突发公共卫生事件应急预案的通知",
            "宁政办发[2020]47号",
            "各乡(镇)人民政府、各华侨农场、县直中区直驻县各有关单位:经县人民政府同意,现将《宁明县突发公共"
            "卫生事件应急预案》印发给你们,请认真组织实施。2020年10月27日 宁明县突发公共卫生事件应急预案 "
            "1总则 1.1编制目的 及时、高效、妥善安置发生在我县区域内的突发公共卫生事件,有效控制突发公共卫生"
            "事件造成的健康危害,避免和减少人员伤亡,防止事态进一步扩散,保障公众身体健康与生命安全,维护国家"
            "安全和社会稳定。",
            id="public-health",  # flfgk.zhpt.yjglt.gxzf.gov.cn (devset ningming-gongwei-yuan-2020)
        ),
        pytest.param(
            "明溪县食品安全事故应急预案",
            "明政办〔2016〕82号",
            "各乡(镇)人民政府,县有关部门:新修订的《明溪县食品安全事故应急预案》已经2016年6月14日县政府第"
            "四十九次常务会议研究通过,现印发给你们,请认真贯彻执行。明溪县人民政府办公室 2016年6月23日 "
            "(此件主动公开) 明溪县食品安全事故应急预案",
            id="food-safety",  # www.fjmx.gov.cn (devset mingxi-shipin-anquan-yuan-2016)
        ),
        pytest.param(
            "岳池县人民政府办公室关于印发岳池县突发重大动物疫情应急预案(2018年修订)的通知",
            "岳府办函[2018]37号",
            "各乡镇人民政府,各园区管委会,县级相关部门:《岳池县突发重大动物疫情应急预案(2018年修订)》已经县"
            "政府同意,现印发你们,请认真遵照执行。……岳池县突发重大动物疫情应急预案 1.总则 1.1编制目的 及时、"
            "有效地预防、控制和扑灭突发重大动物疫情,最大程度减轻突发重大动物疫情对畜牧业及公众健康造成的危害,"
            "保持经济持续稳定健康发展,保障群众身体健康。",
            id="animal-epidemic",  # scyc.gov.cn (devset yuechi-dongwu-yiqing-yuan-2018)
        ),
    ],
)
def test_classify_public_health_or_food_safety_emergency_plan_is_not_disasters(
    classifier: Classifier, title: str, doc_number: str, body: str
) -> None:
    result = classifier.classify(title, body, doc_number)

    assert "disasters" not in result.domains
    # The suppression is explained: the context terms carry negative weight in the evidence.
    assert any(e.weight < 0 for e in result.evidence["disasters"])


def test_classify_general_emergency_plan_covering_natural_disasters_is_disasters(
    classifier: Classifier,
) -> None:
    # www.wz.gov.cn (devset wanzhou-longju-zongti-yuan-2023)
    body = (
        "1总则 1.1制定目的 规范应对突发事件行为,最大程度地预防和减少突发事件造成的损害,提高应对突发事件的"
        "能力,切实保障辖区人民群众的生命财产安全,维护公共利益和社会安全稳定,形成统一指挥、结构完整、功能"
        "齐全、反应灵敏、运转高效、科学合理的应急管理体制,确保龙驹镇各项事业健康有序发展。1.2制定依据 根据"
        "《中华人民共和国突发事件应对法》《重庆市突发事件应对条例》《重庆市突发事件总体应急预案》等国家和市区"
        "有关法律、法规、规章、文件,制定本预案。1.3分级分类 ……(1)自然灾害。主要包括水旱灾害,气象灾害,地震"
        "灾害,地质灾害,生物灾害,森林火灾等。"
    )

    result = classifier.classify("重庆市万州区龙驹镇2023年突发事件总体应急预案(暂行)", body)

    assert result.domains == ("disasters",)


def test_classify_production_safety_accident_plan_is_disasters(classifier: Classifier) -> None:
    # www.bl.gov.cn (devset beilun-shengchan-anquan-yuan-2018)
    body = (
        "各街道办事处,区政府、开发区管委会各部门、各直属单位,驻区垂直管理各单位:《北仑区生产安全事故应急预"
        "案》"
        "已经区政府研究同意,现印发给你们,请遵照执行。宁波市北仑区人民政府办公室 2018年11月15日 北仑区生产"
        "安全事故应急预案 1 总 则 1.1 编制目的 规范生产安全事故的应急管理和应急响应程序,及时有效地实施应急"
        "救援工作,最大限度地减少人员伤亡、财产损失,维护人民群众的生命安全和社会稳定。"
    )

    result = classifier.classify(
        "宁波市北仑区人民政府办公室关于印发北仑区生产安全事故应急预案的通知", body, "仑政办〔2018〕96号"
    )

    assert result.domains == ("disasters",)


def test_classify_government_procurement_mentioned_in_passing_is_not_bidding(classifier: Classifier) -> None:
    # The seed's 鲁政发〔2024〕3号: 推动政府采购公务用车更新应用新能源汽车 inside the car trade-in section.
    body = seed_passage("四、实施消费品以旧换新工程", "（十）开展家电以旧换新")
    assert "政府采购" in compact(body)

    with_title = classifier.classify("关于印发山东省推动大规模设备更新和消费品以旧换新实施方案的通知", body)
    body_only = classifier.classify("", body)

    assert "bidding" not in with_title.domains
    assert "bidding" not in body_only.domains
    assert "consumption" in with_title.domains


def test_classify_procurement_of_green_products_in_a_funding_paragraph_is_not_bidding(
    classifier: Classifier,
) -> None:
    # The seed's 鲁政发〔2024〕3号: 在单位换新采购中按规定强制或优先采购绿色产品.
    body = seed_passage("统筹大规模设备更新和消费品以旧换新相", "（牵头单位：省")

    assert "bidding" not in classifier.classify("", body).domains


def test_classify_science_words_inside_medicine_document_are_not_science(classifier: Classifier) -> None:
    # The seed's 威政办字〔2024〕15号: 中医药传承创新, 中医药科技发展, 中医药科研项目.
    body = seed_passage("（六）完善基层中医药制度评价机制", "三、实施步骤")
    assert "中医药科研项目" in compact(body)

    result = classifier.classify("关于印发威海市全国基层中医药工作示范市创建方案的通知", body)

    assert result.domains == ()
    assert "science" in result.evidence  # seen, and explained as suppressed
    assert any(e.weight < 0 for e in result.evidence["science"])


def test_classify_innovation_words_in_hospital_reform_are_not_science(classifier: Classifier) -> None:
    # szyyj.gd.gov.cn (devset guangdong-gongli-yiyuan-gaozhiliang-2022)
    body = (
        "各地级以上市人民政府,省政府各部门、各直属机构:为贯彻落实《国务院办公厅关于推动公立医院高质量发展的"
        "意见》(国办发〔2021〕18号)精神,推动我省公立医院高质量发展,进一步提升医疗卫生服务质量和效率,更好满足"
        "人民群众日益增长的医疗卫生服务需求,经省人民政府同意,结合我省实际提出以下实施意见。一、总体要求……坚持"
        "改革创新、“三医”联动,以建立健全现代医院管理制度为目标,以推进高质量发展试点医院建设为抓手,强化体系"
        "创新、技术创新、模式创新、管理创新。"
    )

    title = "广东省人民政府办公厅关于推动公立医院高质量发展的实施意见"

    result = classifier.classify(title, body, "粤府办〔2022〕4号")

    assert result.domains == ()


@pytest.mark.parametrize(
    ("title", "body"),
    [
        pytest.param(
            "乐清市加快“城市大脑”建设打造新型智慧城市三年行动计划(2020-2022年)",
            "为深入贯彻党中央、国务院关于新型智慧城市建设的部署要求,加快推动“城市大脑”建设,打造新型智慧城市,"
            "根据《浙江省“城市大脑”建设应用行动方案》(浙数办发〔2019〕13号)、《温州市“城市大脑”建设方案》("
            "温数"
            "转办〔2020〕1号)等文件精神,结合我市实际,制定本行动计划。一、建设目标 (一)总体目标。到2022年,全市"
            "智慧城市架构体系基本完善,以公共数据全面汇聚共享为支撑,以场景化多业务协同应用为突破点。",
            id="smart-city",  # www.yueqing.gov.cn (devset yueqing-chengshi-danao-2020)
        ),
        pytest.param(
            "大连市数字政府建设“十四五”行动方案",
            "为加快数字政府建设,打造协同高效的数字政府,根据《“十四五”推进国家政务信息化规划》及《辽宁省“十"
            "四五”"
            "数字政府发展规划》战略部署,结合我市实际,制定本行动方案。一、总体要求 以习近平新时代中国特色社"
            "会主义"
            "思想为指导,全面贯彻新发展理念,聚焦数字政府建设,坚持全市统一系统架构、统一数据标准、统一开发模式,"
            "通过信息技术与政府业务广泛深度融合,推进政府数字化转型发展,打造政务业务“一网协同”、政务服务“一网"
            "通办”、社会治理“一网统管”的数字政府新格局。二、基本原则 ——统一规划,创新发展。",
            id="digital-government",  # xzfw.dl.gov.cn (devset dalian-shuzi-zhengfu-14th)
        ),
        pytest.param(
            "关于印发《江门市数字政府领域区块链应用行动计划》的通知",
            "市有关单位、各市(区)政务服务数据管理局:为加快推进我市数字政府领域区块链应用,经征求相关单位意见"
            ",我局"
            "牵头制定了《江门市数字政府领域区块链应用行动计划》,现印发给你们,请结合业务实际,加快开展区块链"
            "应用"
            "探索,争取更多的区块链应用场景落地见效。……江门市“数字政府”领域区块链应用行动计划 为深入贯彻习近平"
            "总书记关于利用区块链数据共享模式为人民群众带来更好的政务服务体验的重要讲话精神,……特制定本行动"
            "计划。",
            id="blockchain",  # devset jiangmen-shuzi-zhengfu-qukuailian-2020
        ),
    ],
)
def test_classify_smart_city_or_digital_government_plan_is_not_science(
    classifier: Classifier, title: str, body: str
) -> None:
    assert "science" not in classifier.classify(title, body).domains


def test_classify_equipment_renewal_with_consumer_trade_in_is_consumption(classifier: Classifier) -> None:
    # cnhnxhjj.com reprint of 国发〔2024〕7号 (devset gf-2024-7-shebei-gengxin-yijiuhuanxin)
    body = (
        "各省、自治区、直辖市人民政府,国务院各部委、各直属机构:现将《推动大规模设备更新和消费品以旧换新行动"
        "方案》"
        "印发给你们,请认真贯彻执行。国务院 2024年3月7日 (此件公开发布) 推动大规模设备更新和消费品以旧换新行动"
        "方案 推动大规模设备更新和消费品以旧换新是加快构建新发展格局、推动高质量发展的重要举措,将有力促进投"
        "资和"
        "消费,既利当前、更利长远。"
    )

    result = classifier.classify(
        "国务院关于印发《推动大规模设备更新和消费品以旧换新行动方案》的通知", body, "国发〔2024〕7号"
    )

    assert result.domains == ("consumption",)
    assert {"以旧换新", "消费品"} <= terms(result, "consumption")


def test_classify_industrial_equipment_renewal_alone_is_not_consumption(classifier: Classifier) -> None:
    # The seed's 鲁政发〔2024〕3号, section 二 (industrial technical upgrading) without the trade-in parts.
    body = seed_passage("械等重点产业", "三、实施多领域装备更新工程")

    assert "consumption" not in classifier.classify("", body).domains


def test_classify_procurement_promoting_innovation_is_bidding_and_science(classifier: Classifier) -> None:
    # eur-lex.europa.eu (devset eurlex-52009ip0037-ep-resolution-pcp)
    title = (
        "European Parliament resolution of 3 February 2009 on pre-commercial procurement: driving innovatio"
        "n to "
        "ensure sustainable high-quality public services in Europe (2008/2139(INI))"
    )
    body = (
        "The European Parliament, having regard to the communication from the Commission of 14 December 2007 "
        "entitled ‘Pre-commercial Procurement: Driving innovation to ensure sustainable high quality public "
        "services in Europe’ (COM(2007)0799) (the ‘Commission communication’), having regard to Directive "
        "2004/18/EC of the European Parliament and of the Council of 31 March 2004 on the coordination of "
        "procedures for the award of public works contracts, public supply contracts and public service con"
        "tracts,"
    )

    result = classifier.classify(title, body, "P6_TA(2009)0037")

    assert result.domains == ("bidding", "science")


def test_classify_employment_policy_with_mass_entrepreneurship_wording_is_not_science(
    classifier: Classifier,
) -> None:
    # szjgzx.jsszhrss.gov.cn (devset suzhou-chuangye-jiuye-2015):
    # 苏州高新区 is an addressee, 创新创业 a slogan.
    body = (
        "各市、区人民政府,苏州工业园区、苏州高新区、太仓港口管委会;市各委办局,各直属单位:《关于进一步做好新"
        "形势下"
        "创业就业工作的实施意见》已经市政府第43次常务会议讨论通过,现印发给你们,请结合实际,认真贯彻落实。关"
        "于进一"
        "步做好新形势下创业就业工作的实施意见 为认真贯彻落实《国务院关于进一步做好新形势下就业创业工作的意"
        "见》(国发"
        "〔2015〕23号)和《省政府关于进一步做好新形势下就业创业工作的实施意见》(苏政发〔2015〕90号),主动适应"
        "经济"
        "新常态,深入实施就业优先战略和更加积极的就业政策。一、积极鼓励创新创业带动就业"
    )

    result = classifier.classify("苏州市政府印发关于进一步做好新形势下创业就业工作的实施意见的通知", body)

    assert result.domains == ()


# --- Traditional Chinese -------------------------------------------------------------------

# The seed's 威政办字〔2024〕16号 and 威文政发〔2024〕6号 converted with OpenCC (s2twp and s2hk).
TRADITIONAL_SEED = [
    (
        "威政办字〔2024〕16号",
        "威政辦字〔2024〕16號",
        "威海市人民政府辦公室關於印發威海市氣象災害應急預案的通知",
        "各區市人民政府，國家級開發區管委，綜保區管委，市政府各部門、單位：經市政府同意，現將修訂後的《威海市"
        "氣象災害應急預案》印發給你們，請認真遵照執行。2013 年 10 月 15 日威海市人民政府辦公室印發的《威海市"
        "氣象災害應急預案》（威政辦發〔2013〕52 號）同時廢止。威海市人民政府辦公室2024 年 4 月 20 日（此件"
        "公開"
        "發布） 1 總則1.1 編制目的建立健全氣象災害應急響應機制，提高氣象災害防範處置能力，明確職責、落實責"
        "任，"
        "保護人民群眾生命財產安全，保障全市經濟社會發展。1.2 編制依據《中華人民共和國突發事件應對法》《中華"
        "人民"
        "共和國氣象法》《氣象災害防禦條例》《山東省氣象災害防禦條例》《山東省突發事件應急預案管理辦法》《山"
        "東省"
        "氣象災害應急預案》《威海市突發事件總體應急預案》等法律法規規定。1.3 適用範圍本預案適用於威海市行政"
        "區域"
        "內颱風、暴雨、暴雪、寒潮、強對流（雷電、冰雹）、大風（含雷雨大風）、高溫、乾旱、低溫、",
    ),
    (
        "威文政发〔2024〕6号",
        "威文政發〔2024〕6號",
        "威海市文登區人民政府關於印發《威海市文登區科技創新發展三年行動方案（2024—2026年）》的通知",
        " 各鎮人民政府，各街道辦事處，南海新區、開發區管委，金山綜合服務中心，西部智造產業發展服務中心，區"
        "直有關"
        "部門：《威海市文登區科技創新發展三年行動方案（2024—2026 年）》已經區政府同意，現印發給你們，請認真"
        "貫徹"
        "落實。威海市文登區人民政府2024 年 4 月 28 日威海市文登區科技創新發展三年行動方案（2024—2026 年）為"
        "貫徹"
        "落實《國務院關於支持山東深化新舊動能轉換推動綠色低碳高質量發展的意見》《山東省建設綠色低碳高質量發展"
        "先行區三年行動計劃（2023—2025 年）》《威海市深化新舊動能轉換推動綠色低碳高質量發展三年行動計劃"
        "（2023—2025 年）》等文件精神，充分發揮科技創 新的支撐引領作用，着力營造優質創新生態，增強全區科技"
        "創新"
        "活力，形成創新引領高質量發展新局面，制定本行動方案。",
    ),
]


@pytest.mark.parametrize(
    ("seed_number", "doc_number", "title", "body"), TRADITIONAL_SEED, ids=[t[0] for t in TRADITIONAL_SEED]
)
def test_classify_traditional_script_seed_document_gets_the_same_domains_as_simplified(
    classifier: Classifier, seed_number: str, doc_number: str, title: str, body: str
) -> None:
    simplified = next(d for d in SEED_DOCUMENTS if d["doc_number"] == seed_number)

    result = classifier.classify(title, body, doc_number)

    assert list(result.domains) == simplified["domains"]


def test_classify_traditional_script_government_page_is_disasters(classifier: Classifier) -> None:
    # www.big5.henan.gov.cn (devset henan-dizhi-yuan-2017-big5)
    body = (
        "各省轄市、省直管縣(市)人民政府,省人民政府各部門:為進一步做好我省地質災害防治工作,高效有序地應對突發"
        "地質災害和重大地質災害險情,經省政府同意,現將修訂後的《河南省突發地質災害應急預案》印發給你們,請認真"
        "貫徹執行。"
    )

    title = "河南省人民政府辦公廳關於印發河南省突發地質災害應急預案的通知"

    result = classifier.classify(title, body, "豫政辦〔2017〕118號")

    assert result.domains == ("disasters",)
    assert "地質災害" in terms(result, "disasters")


def test_classify_taiwan_research_grant_notice_is_science(classifier: Classifier) -> None:
    # ord.nccu.edu.tw (devset tw-most-zhuanti-yanjiu-jihua-xiuzheng-2022)
    title = (
        "修正「科技部補助專題研究計畫作業要點」及「科技部補助專題研究計畫經費處理原則」"
        "部分規定,請查照轉知。"
    )
    body = (
        "一、依科技部111年3月8日科部綜字第1110012759號函辦理。二、本次修正重點如下:(一)科技部補助專題研究計畫"
        "作業要點:1.修正第十一點第一項第三款,考量生產或養育多胞胎者,其付出照顧時間較單胎者為多,爰第三款有關"
        "申請"
        "人得延長研究績效或成果年限之計算方式,修正為得依每一出生數再延長二年,以合理評價個人實質的研究表現。"
    )

    assert classifier.classify(title, body).domains == ("science",)


# --- English -------------------------------------------------------------------------------


def test_classify_federal_register_acquisition_rule_is_bidding(classifier: Classifier) -> None:
    # Federal Register 2025-00615 (devset fr-2025-00615-far-small-business-mac)
    body = (
        "DEPARTMENT OF DEFENSE GENERAL SERVICES ADMINISTRATION NATIONAL AERONAUTICS AND SPACE ADMINISTRATIO"
        "N 48 CFR "
        "Parts 1, 7, 12, 16, 19, and 52 [FAR Case 2023-011, Docket No. FAR-2023-0011, Sequence No. 1] RIN 9"
        "000-AO59 "
        "AGENCY: Department of Defense (DoD), General Services Administration (GSA), and National Aeronauti"
        "cs and "
        "Space Administration (NASA). ACTION: Proposed rule. SUMMARY: DoD, GSA, and NASA are proposing to a"
        "mend the "
        "Federal Acquisition Regulation (FAR) to issue policy on small business participation on certain "
        "multiple-award contracts."
    )

    result = classifier.classify(
        "Federal Acquisition Regulation: Small Business Participation on Certain Multiple-Award Contracts",
        body,
        "FR Doc 2025-00615",
    )

    assert result.domains == ("bidding",)
    assert "Federal Acquisition Regulation" in terms(result, "bidding")


def test_classify_fema_major_disaster_notice_is_disasters(classifier: Classifier) -> None:
    # Federal Register 2014-09980 (devset fr-2014-09980-fema-4168-dr-washington)
    body = (
        "AGENCY: Federal Emergency Management Agency, DHS. ACTION: Notice. SUMMARY: This is a notice of the "
        "Presidential declaration of a major disaster for the State of Washington (FEMA-4168-DR), dated Apr"
        "il 2, "
        "2014, and related determinations. DATES: Effective Date: April 2, 2014. SUPPLEMENTARY INFORMATION:"
        " Notice "
        "is hereby given that, in a letter dated April 2, 2014, the President issued a major disaster decla"
        "ration "
        "under the authority of the Robert T. Stafford Disaster Relief and Emergency Assistance Act, 42 U.S"
        ".C. 5121 "
        "et seq. (the ``Stafford Act''), as follows: I have determined that the damage in certain areas of "
        "the "
        "State of Washington resulting from flooding and mudslides beginning on March"
    )

    title = "Washington; Major Disaster and Related Determinations"

    result = classifier.classify(title, body, "FEMA-4168-DR")

    assert result.domains == ("disasters",)


def test_classify_disaster_act_named_in_a_contracting_rule_title_is_not_disasters(
    classifier: Classifier,
) -> None:
    # Federal Register 2018-25705 (devset fr-2018-25705-sba-govcon-ndaa)
    title = (
        "National Defense Authorization Acts of 2016 and 2017, Recovery Improvements for Small Entities Aft"
        "er "
        "Disaster Act of 2015, and Other Small Business Government Contracting"
    )
    body = (
        "SMALL BUSINESS ADMINISTRATION 13 CFR Parts 121, 124, 125, 126, 127, and 129 RIN 3245–AG86 AGENCY: "
        "U.S. "
        "Small Business Administration. ACTION: Proposed rule. The U.S. Small Business Administration (SBA "
        "or "
        "Agency) is proposing to amend its regulations to implement several provisions of the National Defe"
        "nse "
        "Authorization Acts (NDAA) of 2016 and 2017 and the Recovery Improvements for Small Entities After "
        "Disaster "
        "Act of 2015 (RISE Act), as well as implementing other clarifying amendments. The proposed rule wou"
        "ld "
        "clarify that contracting officers have the authority to request information in connection with a "
        "contractor’s compliance with applicable limitations on subcontracting clauses."
    )

    assert classifier.classify(title, body, "FR Doc 2018-25705").domains == ("bidding",)


def test_classify_english_term_inside_a_longer_word_does_not_match(classifier: Classifier) -> None:
    # "procurement" and "disaster" are whole-word terms (no trailing *).
    result = classifier.classify("A disastrous misprocurement")

    assert result.evidence == {}


# --- evidence, scores and edge cases ---------------------------------------------------------


def test_classify_evidence_names_term_location_count_and_weight(classifier: Classifier) -> None:
    document = next(d for d in SEED_DOCUMENTS if d["doc_number"] == "威政办字〔2024〕16号")

    result = classifier.classify(document["title"], document["body"], document["doc_number"])

    evidence = result.evidence["disasters"]
    assert all(isinstance(e, Evidence) for e in evidence)
    title_hit = next(e for e in evidence if e.term == "气象灾害" and e.where == "title")
    body_hit = next(e for e in evidence if e.term == "气象灾害" and e.where == "body")
    assert title_hit.count == 1
    assert body_hit.count > 1
    assert title_hit.weight > body_hit.weight > 0  # the title weighs more than many body mentions
    assert {e.where for e in evidence} <= {"title", "doc_number", "body"}


def test_classify_evidence_weights_add_up_to_the_score(classifier: Classifier) -> None:
    taxonomy = load_taxonomy()
    document = next(d for d in SEED_DOCUMENTS if d["doc_number"] == "威政办字〔2024〕15号")

    result = classifier.classify(document["title"], document["body"], document["doc_number"])

    for domain, evidence in result.evidence.items():
        raw = max(0.0, sum(e.weight for e in evidence))
        threshold = taxonomy.domains[domain].threshold
        assert result.scores[domain] == pytest.approx(raw / (raw + threshold), abs=1e-3)


def test_classify_scores_are_below_one_and_half_marks_the_threshold(classifier: Classifier) -> None:
    for document in SEED_DOCUMENTS:
        result = classifier.classify(document["title"], document["body"], document["doc_number"])

        assert set(result.scores) == set(classifier.domains)
        for domain, score in result.scores.items():
            assert 0.0 <= score < 1.0
            assert (score >= 0.5) == (domain in result.domains)


def test_classify_passing_mention_deep_in_body_weighs_less_than_the_same_mention_early(
    classifier: Classifier,
) -> None:
    mention = "推动政府采购公务用车更新应用新能源汽车"
    filler = seed_passage("（六）完善基层中医药制度评价机制", "三、实施步骤")

    early = classifier.classify("", mention + filler)
    late = classifier.classify("", filler + mention)

    assert early.scores["bidding"] > late.scores["bidding"] > 0


def test_classify_line_breaks_inside_chinese_words_do_not_hide_terms(classifier: Classifier) -> None:
    # The seed's extraction breaks lines inside words: 招标投\n\n标, 气象\n\n灾害.
    result = classifier.classify("", "聚焦发挥招标投\n\n标竞争择优作用")

    assert "招标投标" in terms(result, "bidding")


def test_classify_doc_number_only_term_counts_only_in_the_doc_number(classifier: Classifier) -> None:
    # 财库 (the Ministry of Finance's treasury/procurement department) is a doc_number-only term.
    in_doc_number = classifier.classify("关于印发的通知", "", "财库〔2019〕38号")
    in_body = classifier.classify("关于印发的通知", "财库〔2019〕38号")

    assert [(e.term, e.where) for e in in_doc_number.evidence["bidding"]] == [("财库", "doc_number")]
    assert "bidding" not in in_body.evidence


def test_classify_title_without_body_works(classifier: Classifier) -> None:
    result = classifier.classify("关于印发威海市气象灾害应急预案的通知")

    assert result.domains == ("disasters",)
    assert {e.where for e in result.evidence["disasters"]} == {"title"}


def test_classify_empty_document_has_no_domain(classifier: Classifier) -> None:
    result = classifier.classify("", "", None)

    assert result.domains == ()
    assert result.evidence == {}
    assert all(score == 0.0 for score in result.scores.values())


def test_default_classifier_is_built_once_from_the_packaged_taxonomy() -> None:
    assert default_classifier() is default_classifier()
    assert default_classifier().domains == ("bidding", "consumption", "disasters", "science")


# --- the kinds of miss of issue 15, on tuning records of the development set ------------------

DEVSET = {r["id"]: r for r in load_jsonl(Path(__file__).parent.parent / "data" / "devset.jsonl")}


def devset(record_id: str) -> dict:
    record = DEVSET[record_id]
    assert record["split"] == "tune"  # cases come from the tuned split, never the untouched one
    return record


@pytest.mark.parametrize(
    ("record_id", "quoted"),
    [
        # 財辦庫〔2013〕375號 as copied in Traditional script, with 關于 and 采購 left Simplified
        ("cbk-2013-375-pingshen-zhuanjia-jianguan-hant", "政府采購"),
        # 商務部等4部門辦公廳關于進一步做好家電以舊換新工作的通知 (mixed: 關于, 并)
        ("mofcom-jiadian-yijiuhuanxin-2024-hant", "以舊換新"),
        # 績溪縣上莊鎮: 關于印發績溪縣防汛抗旱應急預案的通知 (mixed: 關于, 范圍)
        ("jixi-shangzhuang-fangxun-yuan-2020-hant", "防汛抗旱"),
        # 云科規〔2023〕8號 云南省科技特派員管理辦法 (mixed: 云, 關于)
        ("yunnan-keji-tepaiyuan-banfa-2023-hant", "科技特派員"),
    ],
)
def test_classify_traditional_and_mixed_script_document_gets_its_domain_and_quotes_the_original(
    classifier: Classifier, record_id: str, quoted: str
) -> None:
    record = devset(record_id)

    result = classifier.classify(record["title"], record["body"], record["doc_number"])

    assert list(result.domains) == record["domains"]
    assert quoted in terms(result, record["domains"][0])


@pytest.mark.parametrize(
    "record_id",
    [
        "taipei-caigou-sop-97",  # 97年採購標準作業程序電子書(第2版)
        "tw-xiaobao-tuanti-pingding-banfa-hant",  # 消費者保護團體評定辦法
        "gwyb-senlin-fanghuo-tongzhi-title-hant",  # 國務院辦公廳關于進一步加強森林防火工作的通知
        "chongqing-yinzai-daota-zhufang-guicheng",  # 重庆市因灾倒塌住房恢复重建补助资金管理工作规程 (灾)
        "nuk-nstc-yanjiu-renli-yueyong-hant",  # 國科會補助專題研究計畫研究人力約用注意事項 (研究計畫)
    ],
)
def test_classify_title_only_item_gets_its_domain(classifier: Classifier, record_id: str) -> None:
    record = devset(record_id)
    assert record["body"] == ""

    assert list(classifier.classify(record["title"]).domains) == record["domains"]


def test_classify_short_procurement_notice_without_the_fields_commonest_words_is_bidding(
    classifier: Classifier,
) -> None:
    # 山东开启应急救援设备和物资采购绿色通道: no 招标 or 投标, a public-health emergency
    record = devset("shandong-yingji-caigou-lvse-tongdao-2020")

    result = classifier.classify(record["title"], record["body"])

    assert result.domains == ("bidding",)


def test_classify_second_domain_with_strong_evidence_of_its_own_is_reported_whatever_the_first_scores(
    classifier: Classifier,
) -> None:
    # A bidding title (国办发〔2024〕21号) over the opening of the seed's science plan
    # (威文政发〔2024〕6号), up to its first targets: the title names bidding only; the body's science
    # evidence is its own and reaches own_evidence x the threshold, so it stands.
    bidding = next(d for d in SEED_DOCUMENTS if d["doc_number"] == "国办发〔2024〕21号")
    science = next(d for d in SEED_DOCUMENTS if d["doc_number"] == "威文政发〔2024〕6号")
    marker = "国家高新技术企业数量达到 230 家以上，"
    body = science["body"][: science["body"].index(marker) + len(marker)]

    assert classifier.classify(bidding["title"], body).domains == ("bidding", "science")


def test_classify_second_domain_with_a_passing_paragraph_is_discounted_under_another_domains_title(
    classifier: Classifier,
) -> None:
    # The same science plan's first paragraph only: science on its own, a passing mention under a
    # title that names bidding (its body evidence is multiplied by unnamed_body_factor).
    bidding = next(d for d in SEED_DOCUMENTS if d["doc_number"] == "国办发〔2024〕21号")
    science = next(d for d in SEED_DOCUMENTS if d["doc_number"] == "威文政发〔2024〕6号")
    marker = "着力营造优质创新生态，"
    body = science["body"][: science["body"].index(marker) + len(marker)]

    assert classifier.classify("", body).domains == ("science",)
    assert classifier.classify(bidding["title"], body).domains == ("bidding",)


def test_classify_traditional_report_of_restoring_commerce_in_a_disaster_area_gets_both_domains(
    classifier: Classifier,
) -> None:
    # 陳德銘:恢復災區商業流通 妥善安置災民生活 (Traditional): the second domain is not suppressed.
    record = devset("mofcom-chendeming-zaiqu-shangye-liutong-2008-hant")

    result = classifier.classify(record["title"], record["body"], record["doc_number"])

    assert result.domains == ("consumption", "disasters")
    assert {"商業", "流通"} <= terms(result, "consumption")
    assert "災" in terms(result, "disasters")


def test_classify_term_inside_a_word_of_another_sense_does_not_count(classifier: Classifier) -> None:
    # The seed's 鲁政发〔2024〕3号: 依法依规淘汰符合强制报废标准的老旧汽车 holds 废标 (a failed tender)
    # inside 报废标准 (scrapping standards).
    body = seed_passage("依法依规淘汰符合强制报废", "（牵头单位")
    assert "报废标准" in compact(body)

    assert "bidding" not in classifier.classify("", body).evidence
