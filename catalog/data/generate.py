# ruff: noqa: E501  (data tables: one item a line reads better than wrapped)
"""Generate the demo catalogue's CSV files (departments, items, materials) beside this script.

Deterministic (seeded): running it again writes the same files. The figures of the city's
catalogue in 2015 come out of the data, not out of the report: 160 current items (110 licences
with 58 sub-items, 9 non-licence approvals with 4, 41 public services with 5), whose limits sum so
that promised limits are 44.44%, 9.98%, 33.41% and 40.00% shorter than the legal ones; and the 2014
history (11 items added by 5 departments; 32 removed by 12: 15 devolved, 9 insufficient basis,
2 merged, 6 cancelled by the state).

    python catalog/data/generate.py
"""
from __future__ import annotations

import csv
import random
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20141231

#: Σ promised, Σ legal (working days) per category: found by a small search (see `search_sums`).
TARGET_SUMS = {"licence": (1840, 3312), "non_licence": (361, 401), "public_service": (273, 410)}
TARGET_COMPRESSION = {"licence": 4444, "non_licence": 998, "public_service": 3341, "all": 4000}  # basis points

#: code, name_zh, name_en, city window
DEPARTMENTS = [
    ("FG", "市发展和改革委员会", "Xi'an Development and Reform Commission", "A02"),
    ("SC", "市市场监督管理局", "Xi'an Administration for Market Regulation", "B01"),
    ("ZJ", "市住房和城乡建设局", "Xi'an Housing and Urban-Rural Development Bureau", "C01"),
    ("ZR", "市自然资源和规划局", "Xi'an Natural Resources and Planning Bureau", "C02"),
    ("FW", "市住房保障和房屋管理局", "Xi'an Housing Security and Property Administration Bureau", "C03"),
    ("GA", "市公安局", "Xi'an Public Security Bureau", "D01"),
    ("MZ", "市民政局", "Xi'an Civil Affairs Bureau", "D02"),
    ("RS", "市人力资源和社会保障局", "Xi'an Human Resources and Social Security Bureau", "D03"),
    ("WJ", "市卫生健康委员会", "Xi'an Health Commission", "D04"),
    ("JT", "市交通运输局", "Xi'an Transport Bureau", "D05"),
    ("SL", "市水务局", "Xi'an Water Affairs Bureau", "D06"),
    ("LY", "市林业局", "Xi'an Forestry Bureau", "D07"),
    ("WL", "市文化和旅游局", "Xi'an Culture and Tourism Bureau", "D08"),
    ("JY", "市教育局", "Xi'an Education Bureau", "D09"),
    ("ST", "市生态环境局", "Xi'an Ecology and Environment Bureau", "D10"),
    ("SW", "市商务局", "Xi'an Commerce Bureau", "D11"),
    ("CG", "市城市管理和综合执法局", "Xi'an Urban Management and Law Enforcement Bureau", "D12"),
    ("GX", "市工业和信息化局", "Xi'an Industry and Information Technology Bureau", "E01"),
    ("KJ", "市科学技术局", "Xi'an Science and Technology Bureau", "E02"),
    ("NY", "市农业农村局", "Xi'an Agriculture and Rural Affairs Bureau", "E03"),
    ("WW", "市文物局", "Xi'an Cultural Heritage Bureau", "E04"),
    ("RF", "市人民防空办公室", "Xi'an Civil Air Defence Office", "E05"),
    ("QX", "市气象局", "Xi'an Meteorological Bureau", "E06"),
    ("YJ", "市应急管理局", "Xi'an Emergency Management Bureau", "E07"),
    ("XF", "市消防救援支队", "Xi'an Fire and Rescue Detachment", "E08"),
    ("MW", "市民族宗教事务委员会", "Xi'an Ethnic and Religious Affairs Commission", "E09"),
    ("SF", "市司法局", "Xi'an Justice Bureau", "E10"),
    ("TY", "市体育局", "Xi'an Sports Bureau", "E11"),
]

LEVELS = {"c": ["city"], "cd": ["city", "district", "zone"], "cdt": ["city", "district", "zone", "township"]}

# dept | name_zh | name_en | legal limit (hint) | levels | applicant (o organisation, p person, b both) |
# legal basis | sub-items "zh:en;zh:en" | fate (added / devolved / cancelled_basis / merged:<target name_zh> /
# cancelled_state) @ effective date | flags (i: immediate item, fee:<yuan>:<basis>)
LICENCES = """
FG|企业投资项目核准|Approval of enterprise investment projects|30|c|o|《企业投资项目核准和备案管理条例》第九条|基础设施类项目:Infrastructure projects;工业类项目:Industrial projects;社会事业类项目:Social-sector projects||
FG|固定资产投资项目节能审查|Energy-saving review of fixed-asset investment projects|30|c|o|《中华人民共和国节约能源法》第十五条|||
SC|企业设立登记|Company registration|15|cd|o|《中华人民共和国公司法》第六条；《中华人民共和国公司登记管理条例》|有限责任公司设立登记:Registration of a limited liability company;股份有限公司设立登记:Registration of a company limited by shares;合伙企业设立登记:Registration of a partnership;个人独资企业设立登记:Registration of a sole proprietorship||
SC|外商投资企业登记|Registration of foreign-invested enterprises|15|c|o|《中华人民共和国公司登记管理条例》；《外国企业常驻代表机构登记管理条例》|外商投资企业设立登记:Establishment of a foreign-invested enterprise;外国企业常驻代表机构登记:Resident representative office of a foreign enterprise||
SC|食品经营许可|Food business licence|20|cd|b|《中华人民共和国食品安全法》第三十五条|食品销售经营者:Food sellers;餐饮服务经营者:Catering businesses;单位食堂:Institutional canteens||
SC|食品生产许可|Food production licence|30|c|o|《中华人民共和国食品安全法》第三十五条；《食品生产许可管理办法》|粮食加工品:Processed grain products;食用油、油脂及其制品:Edible oils and fats;调味品:Condiments;肉制品:Meat products||
SC|特种设备使用登记|Registration of special equipment in use|30|cd|o|《中华人民共和国特种设备安全法》第三十三条|锅炉:Boilers;压力容器:Pressure vessels;电梯:Lifts||
SC|药品经营许可证（零售）核发|Drug retail licence|30|cd|o|《中华人民共和国药品管理法》第十四条|||
SC|计量标准器具核准|Approval of measurement standards|20|c|o|《中华人民共和国计量法》第六条|社会公用计量标准:Public measurement standards;部门和企事业单位最高计量标准:Highest measurement standards of organisations||
ZJ|建筑工程施工许可证核发|Construction permit for building works|15|cd|o|《中华人民共和国建筑法》第七条；《建筑工程施工许可管理办法》|房屋建筑工程:Building works;市政基础设施工程:Municipal infrastructure works||
ZJ|建筑业企业资质认定|Qualification of construction enterprises|45|c|o|《中华人民共和国建筑法》第十三条；《建筑业企业资质管理规定》|施工总承包三级资质:General contracting, grade III;专业承包三级资质:Specialist contracting, grade III;施工劳务资质:Construction labour services||
ZJ|建设工程消防设计审查|Fire-safety design review of construction works|20|cd|o|《中华人民共和国消防法》第十一条|特殊建设工程:Special construction works;其他建设工程:Other construction works||
FW|房地产开发企业资质核定|Qualification of real-estate developers|30|c|o|《城市房地产开发经营管理条例》第九条|三级资质:Grade III;四级资质:Grade IV;暂定资质:Provisional qualification||
FW|商品房预售许可|Licence to pre-sell commercial housing|10|cd|o|《中华人民共和国城市房地产管理法》第四十五条||added@2014-07-01|
ZR|建设项目用地预审与选址意见书核发|Land pre-review and site-selection opinion for construction projects|20|c|o|《中华人民共和国城乡规划法》第三十六条；《中华人民共和国土地管理法》第五十二条|||
ZR|建设用地规划许可证核发|Land-use planning permit for construction|30|cd|o|《中华人民共和国城乡规划法》第三十七条、第三十八条|划拨用地:Allocated land;出让用地:Land granted for a fee||
ZR|建设工程规划许可证核发|Planning permit for construction works|30|cd|o|《中华人民共和国城乡规划法》第四十条|建筑类:Buildings;市政交通类:Municipal transport works;市政管线类:Municipal pipelines||
ZR|乡村建设规划许可证核发|Rural construction planning permit|30|cd|b|《中华人民共和国城乡规划法》第四十一条||added@2014-07-01|
ZR|临时建设工程规划许可|Planning permit for temporary construction|20|cd|o|《中华人民共和国城乡规划法》第四十四条||added@2014-07-01|
GA|旅馆业特种行业许可证核发|Special trade licence for hotels|20|cd|o|《旅馆业治安管理办法》第四条|旅馆业:Hotels;公章刻制业:Seal engraving||
GA|大型群众性活动安全许可|Safety licence for large public events|7|c|o|《大型群众性活动安全管理条例》第十一条|||
GA|民用爆炸物品购买、运输许可|Licence to buy and transport civil explosives|5|c|o|《民用爆炸物品安全管理条例》第二十一条、第二十六条|购买许可:Purchase;运输许可:Transport||
MZ|社会团体成立登记|Registration of social organisations|60|c|o|《社会团体登记管理条例》第九条|||
MZ|民办非企业单位成立登记|Registration of private non-enterprise units|60|cd|o|《民办非企业单位登记管理暂行条例》第八条|||
MZ|公墓建设审批|Approval of cemetery construction|30|c|o|《殡葬管理条例》第八条|经营性公墓:Commercial cemeteries;农村公益性墓地:Rural public-welfare cemeteries||
RS|劳务派遣经营许可|Labour dispatch business licence|20|c|o|《中华人民共和国劳动合同法》第五十七条||added@2014-07-01|
RS|人力资源服务许可|Human resources service licence|20|cd|o|《就业服务与就业管理规定》第四十七条||added@2014-07-01|
RS|企业实行不定时工作制和综合计算工时工作制审批|Approval of flexible and averaged working-hour systems|20|cd|o|《国务院关于职工工作时间的规定》第五条|不定时工作制:Flexible working hours;综合计算工时工作制:Averaged working hours||
WJ|医疗机构设置审批|Approval to set up a medical institution|30|cd|o|《医疗机构管理条例》第九条|二级医院:Grade II hospitals;专科医院:Specialist hospitals||
WJ|医疗机构执业登记|Practice registration of medical institutions|45|cd|o|《医疗机构管理条例》第十五条|二级医院:Grade II hospitals;专科医院:Specialist hospitals||
WJ|公共场所卫生许可|Public-place hygiene licence|20|cd|o|《公共场所卫生管理条例》第八条|住宿场所:Accommodation;美容美发场所:Beauty salons and barbers;游泳场所:Swimming venues||
WJ|放射诊疗许可|Radiological diagnosis and treatment licence|20|c|o|《放射诊疗管理规定》第十一条|||
JT|道路运输经营许可|Road transport business licence|20|cd|o|《中华人民共和国道路运输条例》第十条、第二十四条|道路旅客运输经营:Passenger transport;道路危险货物运输经营:Dangerous goods transport;道路旅客运输站经营:Passenger stations||
JT|出租汽车经营许可|Taxi business licence|20|c|o|《国务院对确需保留的行政审批项目设定行政许可的决定》第112项|||
SL|取水许可|Water abstraction permit|45|cd|o|《中华人民共和国水法》第四十八条；《取水许可和水资源费征收管理条例》|地表水取水:Surface water;地下水取水:Groundwater||
SL|生产建设项目水土保持方案审批|Approval of soil and water conservation plans|20|c|o|《中华人民共和国水土保持法》第二十五条|||
SL|城镇污水排入排水管网许可|Permit to discharge wastewater into sewers|15|cd|o|《城镇排水与污水处理条例》第二十一条|||
LY|林木采伐许可证核发|Tree-felling permit|20|cd|b|《中华人民共和国森林法》第三十二条|||
WL|娱乐场所经营许可|Entertainment venue licence|20|cd|o|《娱乐场所管理条例》第九条|||
WL|营业性演出许可|Commercial performance licence|20|c|o|《营业性演出管理条例》第六条|文艺表演团体:Performing troupes;演出经纪机构:Performance agencies||
WL|旅行社设立许可|Licence to set up a travel agency|30|c|o|《旅行社条例》第六条|||
JY|民办学校办学许可|Licence to run a private school|90|c|o|《中华人民共和国民办教育促进法》第十八条|||
ST|建设项目环境影响评价文件审批|Approval of environmental impact assessments|60|cd|o|《中华人民共和国环境影响评价法》第二十二条|||
CG|城市建筑垃圾处置核准|Approval of construction waste disposal|20|cd|o|《国务院对确需保留的行政审批项目设定行政许可的决定》第101项|||
CG|挖掘城市道路审批|Approval to dig up city roads|15|cd|o|《城市道路管理条例》第三十条||added@2014-07-01|
CG|设置大型户外广告审批|Approval of large outdoor advertisements|20|c|o|《城市市容和环境卫生管理条例》第十一条||added@2014-07-01|
QX|升放无人驾驶自由气球或系留气球活动审批|Approval to release unmanned free or tethered balloons|5|cd|o|《通用航空飞行管制条例》第三十四条；《施放气球管理办法》||added@2014-07-01|
RF|人防工程建设审批|Approval of civil air defence works|20|c|o|《中华人民共和国人民防空法》第二十二条|||
YJ|危险化学品经营许可|Hazardous chemicals business licence|30|c|o|《危险化学品安全管理条例》第三十五条|||
WW|文物保护单位建设控制地带内建设工程设计方案审批|Approval of designs in protection zones of heritage sites|20|c|o|《中华人民共和国文物保护法》第十八条|||
NY|农药经营许可|Pesticide business licence|20|cd|o|《农药管理条例》第二十四条|||
XF|公众聚集场所投入使用、营业前消防安全检查|Fire-safety inspection before public venues open|10|cd|o|《中华人民共和国消防法》第十五条|||
"""

NON_LICENCE = """
FG|政府投资项目审批|Approval of government-funded investment projects|60|c|o|《国务院关于投资体制改革的决定》；《陕西省政府投资项目管理办法》|项目建议书:Project proposals;可行性研究报告:Feasibility studies;初步设计及概算:Preliminary design and budget||
ZJ|城市基础设施配套费减免审批|Relief from urban infrastructure fees|30|c|o|《陕西省城市基础设施配套费征收管理办法》|缓缴:Deferral||
MW|宗教活动场所筹备设立审核|Review of plans to set up a venue for religious activities|60|c|o|《宗教事务条例》第十三条|||
GX|企业技术改造投资项目备案确认|Confirmation of filed technical-upgrade investment projects|30|cd|o|《国务院关于投资体制改革的决定》|||
SW|外商投资企业设立及变更审核|Review of the establishment and changes of foreign-invested enterprises|30|c|o|《中华人民共和国中外合资经营企业法》；《外商投资企业设立及变更备案管理暂行办法》|||
"""

PUBLIC_SERVICES = """
RS|社会保险登记|Social insurance registration|5|cdt|b|《中华人民共和国社会保险法》第五十七条、第五十八条|单位参保登记:Employer registration;个人参保登记:Individual registration||
RS|就业失业登记|Employment and unemployment registration|5|cdt|p|《就业服务与就业管理规定》第六十一条|||i
RS|失业保险金申领|Claiming unemployment benefit|10|cdt|p|《失业保险条例》第十六条|||
RS|基本养老保险待遇核定|Assessment of basic pension benefits|20|cd|p|《中华人民共和国社会保险法》第十六条|||
RS|社会保障卡申领|Applying for a social security card|20|cdt|p|《中华人民共和国社会保险法》第五十八条||added@2014-07-01|
GA|户口迁移|Household registration transfer|10|cdt|p|《中华人民共和国户口登记条例》第十条|||
GA|居民身份证办理|Resident identity card|30|cdt|p|《中华人民共和国居民身份证法》第八条|||fee:20:《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》
GA|居住证办理|Residence permit|15|cdt|p|《居住证暂行条例》第十二条|||
MZ|最低生活保障审核|Assessment of the minimum living allowance|30|cdt|p|《社会救助暂行办法》第十一条|||
MZ|高龄老人生活补贴申领|Allowance for the very old|20|cdt|p|《陕西省实施〈中华人民共和国老年人权益保障法〉办法》|||
MZ|婚姻登记|Marriage registration|1|cd|p|《婚姻登记条例》第七条|||i
WJ|生育服务登记|Registration for childbirth services|5|cdt|p|《陕西省人口与计划生育条例》|||
WJ|出生医学证明办理|Birth medical certificate|5|cd|p|《中华人民共和国母婴保健法》第二十三条|||
WJ|独生子女父母光荣证办理|Certificate of honour for parents of only children|10|cdt|p|《陕西省人口与计划生育条例》|||
ZR|不动产登记|Real-estate registration|30|cd|b|《不动产登记暂行条例》第二十条|首次登记:First registration;转移登记:Transfer registration;抵押登记:Mortgage registration||fee:80:《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》
SC|企业登记信息查询|Enquiry of enterprise registration records|3|cd|b|《企业信息公示暂行条例》|||i
SC|消费者投诉举报处理|Handling consumer complaints|7|cd|b|《中华人民共和国消费者权益保护法》第三十九条|||
SW|对外贸易经营者备案登记|Foreign-trade operator filing|5|c|o|《中华人民共和国对外贸易法》第九条|||
SW|单用途商业预付卡备案|Filing of single-purpose prepaid cards|5|c|o|《单用途商业预付卡管理办法（试行）》第七条|||
JT|道路运输从业人员从业资格证办理|Road transport worker qualification certificate|10|cd|p|《中华人民共和国道路运输条例》第九条|||
JT|机动车维修经营备案|Filing of motor-vehicle repair businesses|5|cd|o|《中华人民共和国道路运输条例》第四十条|||
JY|教师资格认定|Teacher qualification recognition|30|cd|p|《教师资格条例》第十三条|||
KJ|技术合同认定登记|Registration of technology contracts|7|c|o|《技术合同认定登记管理办法》第六条|||
KJ|科技成果登记|Registration of scientific and technological achievements|10|c|b|《科技成果登记办法》|||
SF|法律援助申请|Application for legal aid|7|cdt|p|《法律援助条例》第十八条|||
SF|公证办理|Notarisation|15|cd|b|《中华人民共和国公证法》第三十条|||fee:200:《陕西省公证服务收费标准》
TY|社会体育指导员技术等级认定|Certification of social sports instructors|20|c|p|《社会体育指导员管理办法》第十三条|||
QX|气象资料提供|Provision of meteorological data|5|c|b|《气象资料共享管理办法》|||
ST|环境信息依申请公开|Environmental information on request|15|c|b|《中华人民共和国政府信息公开条例》第二十四条|||
CG|城市道路照明设施报修|Reporting faults in street lighting|3|cd|b|《城市道路照明设施管理规定》|||
WL|导游证申领|Tour guide card|10|c|p|《导游人员管理条例》第四条|||
GX|中小企业公共服务咨询|Public service enquiries for small and medium enterprises|5|c|o|《中华人民共和国中小企业促进法》第二十六条|||
NY|拖拉机和联合收割机驾驶证申领|Licence to drive tractors and combine harvesters|20|cd|p|《农业机械安全监督管理条例》第二十二条|||
FW|公共租赁住房申请|Application for public rental housing|20|cdt|p|《公共租赁住房管理办法》第七条||added@2014-07-01|
FW|房屋权属档案查询|Enquiry of property records|3|cd|b|《城市房地产权属档案管理办法》第十八条||added@2014-07-01|i
LY|林木种苗生产经营咨询|Advice on forest seedling production and trade|5|c|b|《中华人民共和国种子法》|||
"""

REMOVED = """
SC|小餐饮经营许可|Licence for small catering businesses|20|c|b|《陕西省食品小作坊小餐饮及摊贩管理条例》||devolved@2014-04-01|
SC|食品摊贩登记|Registration of food stalls|10|c|p|《陕西省食品小作坊小餐饮及摊贩管理条例》||devolved@2014-04-01|
ZJ|限额以下小型工程施工许可|Construction permit for small works below the threshold|15|c|o|《建筑工程施工许可管理办法》第二条||devolved@2014-04-01|
ZJ|建筑起重机械使用登记|Registration of construction cranes in use|7|c|o|《建筑起重机械安全监督管理规定》第十七条||devolved@2014-04-01|
ZJ|房屋白蚁防治备案审核|Review of termite-control filings|10|c|o|《城市房屋白蚁防治管理规定》||devolved@2014-04-01|
GA|典当业特种行业许可证核发|Special trade licence for pawnshops|20|c|o|《典当管理办法》第二十四条||devolved@2014-10-01|
GA|互联网上网服务营业场所信息网络安全审核|Network security review of internet cafés|20|c|o|《互联网上网服务营业场所管理条例》第十一条||devolved@2014-10-01|
WJ|诊所设置审批|Approval to set up a clinic|30|c|b|《医疗机构管理条例》第九条||devolved@2014-04-01|
WJ|诊所执业登记|Practice registration of clinics|45|c|b|《医疗机构管理条例》第十五条||devolved@2014-04-01|
WJ|母婴保健技术服务执业许可|Licence for maternal and infant health services|30|c|o|《中华人民共和国母婴保健法》第三十二条||devolved@2014-04-01|
WL|互联网上网服务营业场所经营许可|Internet café licence|20|c|o|《互联网上网服务营业场所管理条例》第十一条||devolved@2014-10-01|
WL|艺术品经营单位备案|Filing of art dealers|15|c|o|《艺术品经营管理办法》第五条||devolved@2014-10-01|
JT|机动车驾驶员培训经营许可|Driving school business licence|15|c|o|《中华人民共和国道路运输条例》第四十条||devolved@2014-10-01|
JT|道路货物运输经营许可（普通货运）|Licence for general road freight|20|c|o|《中华人民共和国道路运输条例》第二十四条||devolved@2014-10-01|
MZ|养老机构设立许可|Licence to set up a care home|20|c|o|《养老机构设立许可办法》第五条||devolved@2014-10-01|
CG|城市户外广告设置方案审查|Review of outdoor advertising plans|20|c|o|《西安市户外广告设置管理办法》||cancelled_basis@2014-06-01|
CG|城市夜景照明设施设置审批|Approval of night lighting installations|20|c|o|《西安市城市夜景照明管理办法》||cancelled_basis@2014-06-01|
ZJ|墙体材料革新专项基金返退审批|Refund of wall-material reform funds|20|c|o|《西安市新型墙体材料专项基金征收使用管理办法》||cancelled_basis@2014-06-01|
FW|房屋安全鉴定机构资格认定|Recognition of building-safety appraisal bodies|20|c|o|《西安市城市房屋安全管理办法》||cancelled_basis@2014-06-01|
SL|城市节约用水计划审批|Approval of water-saving plans|20|c|o|《西安市城市节约用水条例》||cancelled_basis@2014-06-01|
LY|林产品经营加工许可|Licence to trade and process forest products|20|c|o|《陕西省林产品经营加工管理办法》||cancelled_basis@2014-06-01|
WL|文化市场从业人员上岗证核发|Work permit for cultural market staff|20|c|p|《西安市文化市场管理办法》||cancelled_basis@2014-06-01|
JT|汽车租赁经营许可|Car rental business licence|20|c|o|《西安市汽车租赁管理办法》||cancelled_basis@2014-06-01|
GA|机动车修理业特种行业许可|Special trade licence for motor repair shops|20|c|o|《西安市特种行业治安管理办法》||cancelled_basis@2014-06-01|
ZR|建设工程设计方案审查|Review of construction design schemes|20|cd|o|《中华人民共和国城乡规划法》第四十条||merged:建设工程规划许可证核发@2014-07-01|
WJ|公共场所卫生许可证延续|Renewal of public-place hygiene licences|20|cd|o|《公共场所卫生管理条例实施细则》第二十六条||merged:公共场所卫生许可@2014-07-01|
SC|企业年度检验|Annual inspection of enterprises|20|cd|o|《中华人民共和国公司登记管理条例》第五十八条||cancelled_state@2014-03-01|
SC|广告经营许可|Advertising business licence|20|c|o|《中华人民共和国广告管理条例》第六条||cancelled_state@2014-03-01|
ZJ|房地产估价机构资质核准（三级）|Qualification of property valuers (grade III)|20|c|o|《房地产估价机构管理办法》第十一条||cancelled_state@2014-03-01|
FW|物业服务企业资质核定（三级）|Qualification of property management firms (grade III)|20|c|o|《物业服务企业资质管理办法》第十条||cancelled_state@2014-03-01|
JT|机动车维修经营许可|Motor-vehicle repair business licence|15|c|o|《中华人民共和国道路运输条例》第三十九条||cancelled_state@2014-11-01|
SL|水利工程建设监理单位资质初审|Preliminary review of water-project supervision firms|20|c|o|《水利工程建设监理单位资质管理办法》||cancelled_state@2014-11-01|
"""

CATEGORY_TYPE = {"licence": "XK", "non_licence": "QT", "public_service": "GG"}

#: Materials a department asks for beyond the application form and identity papers: (zh, en, originals, copies)
DEPARTMENT_MATERIALS = {
    "FG": [("项目申请报告", "Project application report", 1, 5), ("项目选址意见书", "Site-selection opinion", 1, 1)],
    "SC": [("经营场所使用证明", "Proof of the business premises", 1, 1), ("章程或合伙协议", "Articles or partnership agreement", 1, 0),
           ("从业人员健康证明", "Staff health certificates", 0, 1)],
    "ZJ": [("施工合同", "Construction contract", 1, 1), ("施工图审查合格书", "Certificate of checked construction drawings", 1, 1),
           ("安全生产许可证", "Work-safety licence", 0, 1)],
    "ZR": [("建设项目批准文件", "Project approval documents", 0, 1), ("建设工程设计方案", "Design scheme of the construction works", 1, 3),
           ("国有土地使用证明", "Proof of state land-use rights", 0, 1)],
    "FW": [("国有土地使用权证", "State land-use certificate", 0, 1), ("商品房预售方案", "Pre-sale plan", 1, 0)],
    "GA": [("户口簿", "Household register", 1, 1), ("安全保卫工作方案", "Security plan", 1, 1)],
    "MZ": [("章程草案", "Draft articles", 1, 0), ("家庭收入证明", "Proof of household income", 1, 0)],
    "RS": [("劳动合同", "Employment contract", 0, 1), ("工资支付证明", "Proof of wage payment", 1, 0)],
    "WJ": [("执业人员资格证明", "Practitioners' qualifications", 0, 1), ("卫生检测报告", "Hygiene test report", 1, 0)],
    "JT": [("车辆技术等级证明", "Vehicle technical grade certificate", 0, 1), ("安全生产管理制度", "Work-safety rules", 1, 0)],
    "SL": [("水资源论证报告书", "Water resources assessment report", 1, 2), ("取水工程设计文件", "Design of the intake works", 1, 0)],
    "LY": [("林权证", "Forest ownership certificate", 0, 1), ("伐区调查设计", "Felling-area survey and design", 1, 0)],
    "WL": [("场所消防验收证明", "Fire acceptance of the venue", 0, 1), ("演出节目内容说明", "Description of the programme", 1, 0)],
    "JY": [("办学资金证明", "Proof of school funds", 1, 0), ("学历证书", "Academic certificate", 1, 1)],
    "ST": [("环境影响报告书（表）", "Environmental impact report (form)", 1, 2), ("污染防治设施说明", "Pollution-control facilities", 1, 0)],
    "SW": [("对外贸易经营者备案登记表", "Foreign-trade operator filing form", 1, 0), ("预付卡发行方案", "Prepaid card issuing plan", 1, 0)],
    "CG": [("施工平面图", "Site plan", 1, 1), ("交通组织方案", "Traffic management plan", 1, 0)],
    "GX": [("项目备案信息表", "Project filing sheet", 1, 0)],
    "KJ": [("技术合同文本", "Technology contract", 1, 1), ("成果评价证明", "Evaluation of the achievement", 0, 1)],
    "NY": [("经营场所及仓储设施证明", "Proof of premises and storage", 0, 1)],
    "WW": [("文物影响评估报告", "Heritage impact assessment", 1, 1)],
    "RF": [("人防工程设计图纸", "Civil air defence design drawings", 1, 1)],
    "QX": [("施放方案", "Release plan", 1, 0), ("施放资质证书", "Release qualification certificate", 0, 1)],
    "YJ": [("安全评价报告", "Safety assessment report", 1, 0)],
    "XF": [("消防安全制度", "Fire-safety rules", 1, 0), ("场所平面布置图", "Floor plan of the venue", 1, 1)],
    "MW": [("宗教团体意见", "Opinion of the religious body", 1, 0)],
    "SF": [("经济困难证明", "Proof of financial hardship", 1, 0), ("公证事项证明材料", "Evidence for the notarial matter", 1, 1)],
    "TY": [("体育技能证明", "Proof of sports skills", 0, 1)],
}

STEPS = [("受理", "Acceptance"), ("审查", "Review"), ("决定", "Decision"), ("送达", "Delivery")]
CONDITIONS = {
    "licence": "申请人符合法定条件、申请材料齐全且符合法定形式。",
    "non_licence": "符合国家和本市有关规定，申请材料齐全。",
    "public_service": "符合办理条件的个人或单位，材料齐全即可受理。",
}


def _parse(block: str, category: str) -> list[dict]:
    specs = []
    for line in block.strip().splitlines():
        dept, zh, en, legal, levels, applicant, basis, subs, fate, flags = line.split("|")
        fate_kind, _, fate_on = fate.partition("@")
        merged_into = ""
        if fate_kind.startswith("merged:"):
            fate_kind, merged_into = fate_kind.split(":", 1)
        fee, fee_basis, immediate = "0", "", False
        for flag in filter(None, flags.split(",")):
            if flag == "i":
                immediate = True
            elif flag.startswith("fee:"):
                _, fee, fee_basis = flag.split(":", 2)
        specs.append({"department": dept, "name_zh": zh, "name_en": en, "legal": int(legal), "levels": LEVELS[levels],
                      "applicant": applicant, "legal_basis": basis, "category": category, "fate": fate_kind,
                      "fate_on": fate_on, "merged_into": merged_into, "immediate": immediate, "fee": fee,
                      "fee_basis": fee_basis,
                      "subs": [tuple(s.split(":", 1)) for s in subs.split(";")] if subs else []})
    return specs


def _bp(promised: int, legal: int) -> Fraction:
    return (1 - Fraction(promised, legal)) * 10000


def _rounds_to(promised: int, legal: int, target_bp: int) -> bool:
    """1 − promised/legal rounds to `target_bp` basis points, with no tie to break."""
    return abs(_bp(promised, legal) - target_bp) < Fraction(1, 2)


def search_sums(ranges: dict[str, range]) -> list[tuple]:
    """The small search the TARGET_SUMS came from: integer (Σpromised, Σlegal) per category whose
    compressions and overall compression round to the report's figures."""
    options = {}
    for category, legal_range in ranges.items():
        bp = TARGET_COMPRESSION[category]
        options[category] = [(p, legal) for legal in legal_range
                             for p in range(legal * (10000 - bp) // 10000 - 2, legal * (10000 - bp) // 10000 + 3)
                             if 0 <= p <= legal and _rounds_to(p, legal, bp)]
    found = []
    for a in options["licence"]:
        for b in options["non_licence"]:
            for c in options["public_service"]:
                if _rounds_to(a[0] + b[0] + c[0], a[1] + b[1] + c[1], TARGET_COMPRESSION["all"]):
                    found.append((a, b, c))
    return sorted(found, key=lambda s: sum(x[1] for x in s))


def _spread(values: list[int], target: int, low: list[int], high: list[int], rng: random.Random) -> list[int]:
    """Move `values` by one day at a time (seeded order, within [low, high]) until they sum to `target`."""
    values = list(values)
    order = list(range(len(values)))
    while (diff := target - sum(values)) != 0:
        rng.shuffle(order)
        moved = False
        for i in order:
            if diff > 0 and values[i] < high[i]:
                values[i] += 1
                diff -= 1
                moved = True
            elif diff < 0 and values[i] > low[i]:
                values[i] -= 1
                diff += 1
                moved = True
            if diff == 0:
                break
        if not moved:
            raise ValueError("cannot reach the target within the bounds")
    return values


#: Round numbers of working days that limits are usually set at.
LADDER = [1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90]


def _climb(values: list[int], target: int, rng: random.Random, *, low: int, high: int) -> list[int]:
    """Move values up or down the ladder of round numbers (seeded order) while that brings the sum
    closer to `target`; the last few days are then spread one at a time."""
    values = list(values)
    order = list(range(len(values)))
    while True:
        diff = target - sum(values)
        rng.shuffle(order)
        for i in order:
            v = values[i]
            step = ([x for x in LADDER if x > v][:1] if diff > 0 else [x for x in LADDER if x < v][-1:])
            if step and low <= step[0] <= high and abs(step[0] - v) <= abs(diff):
                values[i] = step[0]
                break
        else:
            break
    return _spread(values, target, [low] * len(values), [high] * len(values), rng)


def _limits(items: list[dict], promised_sum: int, legal_sum: int, rng: random.Random) -> None:
    """Legal limits moved from the hints along round numbers to `legal_sum`; promised limits a share of
    each legal limit (a round number where it can be) spread to `promised_sum`."""
    legal = _climb([it["legal"] for it in items], legal_sum, rng, low=1, high=90)
    ratio = Fraction(promised_sum, legal_sum)
    promised = []
    for it, lg in zip(items, legal, strict=True):
        if it["immediate"]:
            promised.append(0)
            continue
        wanted = lg * min(Fraction(1), ratio * Fraction(rng.choice([8, 9, 10, 10, 11, 12]), 10))
        round_ones = [x for x in LADDER if x <= lg and abs(x - wanted) <= max(1, wanted / 5)]
        promised.append(min(round_ones, key=lambda x: abs(x - wanted)) if round_ones else max(1, round(wanted)))
    low = [0 if it["immediate"] else 1 for it in items]
    high = [0 if it["immediate"] else lg for it, lg in zip(items, legal, strict=True)]
    promised = _spread(promised, promised_sum, low, high, rng)
    for it, lg, pr in zip(items, legal, promised, strict=True):
        it["legal"], it["promised"] = lg, pr


def build() -> tuple[list[dict], list[dict]]:
    rng = random.Random(SEED)  # noqa: S311 (seeded for reproducible data, not for secrets)
    specs = (_parse(LICENCES, "licence") + _parse(NON_LICENCE, "non_licence")
             + _parse(PUBLIC_SERVICES, "public_service") + _parse(REMOVED, "licence"))
    serials: dict[tuple[str, str], int] = {}
    items: list[dict] = []
    for spec in specs:
        item_type = CATEGORY_TYPE[spec["category"]]
        if spec["category"] == "non_licence":
            item_type = rng.choice(["QT", "QR", "BA"])
        key = (spec["department"], item_type)
        serials[key] = serials.get(key, 0) + 1
        code = f"610100{spec['department']}-{item_type}-{serials[key]:04d}"
        main = {**spec, "code": code, "parent_code": "", "kind": "main", "item_type": item_type}
        items.append(main)
        for n, (sub_zh, sub_en) in enumerate(spec["subs"], start=1):
            items.append({**main, "code": f"{code}-{n:03d}", "parent_code": code, "kind": "sub",
                          "name_zh": f"{spec['name_zh']}（{sub_zh}）", "name_en": f"{spec['name_en']} ({sub_en})"})
    current = [it for it in items if it["fate"] in ("", "added")]
    for category, (p_sum, l_sum) in TARGET_SUMS.items():
        _limits([it for it in current if it["category"] == category], p_sum, l_sum, rng)
    for it in items:
        if it["fate"] not in ("", "added"):
            it["promised"] = max(1, it["legal"] * rng.choice([5, 6, 7]) // 10)
    by_name = {it["name_zh"]: it["code"] for it in current if it["kind"] == "main"}
    materials = []
    for it in items:
        it["merged_into"] = by_name[it["merged_into"]] if it["merged_into"] else ""
        it["visits"] = 0 if it["category"] == "public_service" and rng.random() < 0.2 else 1
        it["online_depth"] = rng.choice([2, 3, 3, 4]) if it["visits"] else 4
        it["keywords"] = ""
        materials.extend(_materials(it, rng))
    return items, materials


def _materials(item: dict, rng: random.Random) -> list[dict]:
    rows = [("申请表", "Application form", 1, 0, "signed", "")]
    if item["applicant"] in ("o", "b"):
        rows.append(("营业执照或统一社会信用代码证书", "Business licence or unified social credit code certificate",
                     0, 1, "upload", "organisation"))
        if rng.random() < 0.5:
            rows.append(("法定代表人身份证明", "Identity of the legal representative", 1, 1, "counter", "organisation"))
    if item["applicant"] in ("p", "b"):
        rows.append(("居民身份证", "Resident identity card", 1, 1, "counter", "person"))
    extra = DEPARTMENT_MATERIALS[item["department"]]
    for zh, en, originals, copies in rng.sample(extra, k=min(len(extra), rng.choice([0, 1, 1, 2]))):
        rows.append((zh, en, originals, copies, rng.choice(["upload", "counter"]), ""))
    if len(rows) < 2:
        rows.append(("授权委托书", "Power of attorney", 1, 0, "signed", ""))
    rows = rows[:5]
    return [{"item_code": item["code"], "position": i, "name_zh": zh, "name_en": en, "originals": o, "copies": c,
             "delivery": d, "applicant_types": a, "required": "1" if i < 2 or rng.random() < 0.8 else "0"}
            for i, (zh, en, o, c, d, a) in enumerate(rows)]


ITEM_COLUMNS = ["code", "parent_code", "department", "category", "item_type", "kind", "levels", "name_zh", "name_en",
                "legal", "promised", "immediate", "visits", "online_depth", "fee", "fee_basis", "legal_basis",
                "conditions", "fate", "fate_on", "merged_into", "applicant", "keywords"]


def write() -> None:
    items, materials = build()
    with (HERE / "departments.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name_zh", "name_en", "phone", "window"])
        for i, (code, zh, en, window) in enumerate(DEPARTMENTS):
            w.writerow([code, zh, en, f"029-8678{7100 + i * 7:04d}", window])
    with (HERE / "items.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=ITEM_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for it in items:
            w.writerow({**it, "levels": ";".join(it["levels"]), "immediate": "1" if it["immediate"] else "0",
                        "conditions": CONDITIONS[it["category"]]})
    with (HERE / "materials.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(materials[0]))
        w.writeheader()
        w.writerows(materials)
    current = [it for it in items if it["fate"] in ("", "added")]
    for category in TARGET_SUMS:
        rows = [it for it in current if it["category"] == category]
        print(category, len(rows), sum(it["kind"] != "main" for it in rows),
              sum(it["promised"] for it in rows), sum(it["legal"] for it in rows))
    print("current", len(current), "removed", len(items) - len(current), "materials", len(materials))


if __name__ == "__main__":
    write()
