//! Synthetic corpus of Chinese government catalogue entries for the benchmarks
//! (`readpoint-bench search --docs N`, and the sync, UI and soak benchmarks) and the tests
//! that need many documents.
//!
//! This module owns the generator only: [`generate`] turns a document count and a seed into
//! `catalogue_entry` JSON objects shaped like the sample content, plus a [`QuerySet`] of search
//! terms with known frequency classes. It is pure (no I/O, no clock, no global state) and fully
//! deterministic: the same `(n, seed)` always yields byte-identical output.
//!
//! Text is built from phrase templates whose word slots draw, with a Zipf distribution, from
//! about 330 real government words (40 %) and 20,000 filler words (60 %) made of 1,500 common
//! Han characters, so character and bigram frequencies span a wide range. Two query classes
//! are planted by construction: every "heavy" word lands in 5–13 % of documents and every
//! "rare" word in 0.1–0.3 %; no template or vocabulary entry contains either class. All
//! document text is Simplified Chinese; Traditional forms appear only in the query set.

use std::fmt::Write as _;

use serde_json::{Value, json};

/// A generated benchmark corpus: the documents and the queries to run against them.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// `catalogue_entry` objects in generation order (ids `bench-0000001`, `bench-0000002`, …).
    pub documents: Vec<Value>,
    /// Search terms grouped by how they are expected to behave in the index.
    pub queries: QuerySet,
}

/// Query terms for the search benchmark, grouped by frequency class and script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuerySet {
    /// Single Han characters, from very common (市, 政) to rare (犍, 珙).
    pub one_char: Vec<String>,
    /// Two-character words planted in roughly 5–13 % of documents each.
    pub two_char_heavy: Vec<String>,
    /// Two-character words planted in 0.1–0.3 % of documents each; for `n >= 5000` each one
    /// occurs in at least one document.
    pub two_char_rare: Vec<String>,
    /// Terms of four or more characters: fixed vocabulary terms, then 4–6 character windows
    /// cut from generated titles and bodies (the windows exist only when `n > 0`).
    pub long: Vec<String>,
    /// Lower-case pinyin initials of words that occur in titles (`sb` for 社保).
    pub pinyin_initials: Vec<String>,
    /// Traditional-script spellings of words that occur (in Simplified) in the corpus.
    pub traditional: Vec<String>,
}

/// Generates `n` documents deterministically from `seed`.
///
/// The same `(n, seed)` always returns the same corpus; a different seed gives different
/// documents and windows. Cost is linear in `n` (about a kilobyte of text per document).
#[must_use]
pub fn generate(n: usize, seed: u64) -> Corpus {
    let vocab = Vocab::new();
    let mut rng = Rng::new(seed);
    let mut state = GenState::new(n);
    let mut documents = Vec::with_capacity(n);
    for i in 0..n {
        documents.push(state.document(i, &vocab, &mut rng));
    }
    let mut window_rng = Rng::new(seed ^ 0x5EED_0F01_2345_6789);
    let queries = QuerySet::build(&documents, &mut window_rng);
    Corpus { documents, queries }
}

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/// SplitMix64: tiny, fast, and good enough for synthetic data (and the soak's choices).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift, no modulo bias worth caring about); `0` when `n == 0`.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo) as usize + 1) as u32
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen element; `items` must be non-empty (all callers pass constant tables).
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Zipf-like sampler over ranks `0..n`: weight of rank `r` is `1 / (r + offset)^exponent`.
#[derive(Debug, Clone)]
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, exponent: f64, offset: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|r| {
                total += 1.0 / (r as f64 + offset).powf(exponent);
                total
            })
            .collect();
        Self { cumulative }
    }

    /// A rank in `0..n`; `0` for an empty sampler.
    fn sample(&self, rng: &mut Rng) -> usize {
        let Some(&total) = self.cumulative.last() else {
            return 0;
        };
        let x = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/// 1,500 common Simplified characters, roughly by frequency, for filler words. Characters of
/// the rare query words are left out so filler can never form them.
const FILLER_CHARS: &str = concat!(
    "的一是了不在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里",
    "用行所然家事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军",
    "者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体美相见",
    "被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名",
    "真论处走义各入几认条平系题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直",
    "德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路",
    "记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言",
    "联持组每济亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击备兵连调深商算质团集百",
    "需价党华城级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查",
    "轻易早曾除农找装广显吧阿李标谈吃图念六引历首局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众",
    "构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例族供效续施留讲型料终答紧黄",
    "绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐",
    "帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素",
    "药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停游龙树疑层冷洲冲射略范竟句室异激汉村",
    "哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀",
    "执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥胡款靠评版宝座释",
    "景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰杂误湾吉减编楚肯测败屋跑",
    "梦散困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧",
    "端探湖录春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒",
    "授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础卷坦牛",
    "宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床",
    "迎冰虚玩析窗醒妻透购替努休虎途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱",
    "埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵硬麦",
    "蒋操耶阻订彩抽赞魔纷沿喊违妹浪汇币丰蓝殊献桌啦瓦莱援译夺汽烧距裁偏符勇触课敬哭懂墙袭召罚侠厅拜巧侧韩",
    "冒债曼融惯享戴童犹乘挂奖绍厚纵障讯涉彻刊丈爆乌役描洗玛患妙镜唱烦签仙彼弗症仿倾牌陷鸟轰咱菜闭奋庆撤泪",
    "缘播朗杜奶季丹狗仪偷奔珠虫驻孔宜艾桥淡翼恨繁寒伴叹旦愈潮粮缩罢聚径恰挑袋灰捕徐珍幕映裂泰隔启尖忠累炎",
    "暂估泛荒偿横拒瑞忆孤鼻闹羊呆厉衡胞零穷舍码赫婆魂灾洪腿胆津俗辩胸晓劲贫仁偶辑邦恢赖圈摸仰润堆碰艇稍迟",
    "辆废净凶署壁御奉旋冬抬蛋晨伏吹鸡倍糊秦盾杯租骑乏隆诊奴摄丧污旗甘耐凭扎抢绪粗肩梁幻菲皆碎宙叔岩荡综爬",
    "荷悉蒂返井壮薄悄扫敏碍殖详迪矛霍允幅撒剩凯颗骂赏液番箱贴漫酸郎腰舒眉忧浮辛恋餐吓挺励辞艘键伍峰尺昨黎",
    "辈贯侦券崇扰宪绕趋慈乔阅汗枝拖墨胁插箭腊粉泥氏彭拔骗凤慧媒佩愤扑龄驱惜豪掩兼跃尸肃帕驶堡届欣惠册储飘",
);

/// Real government words, most frequent first (drawn with a Zipf distribution). None of them
/// contains a heavy or rare query word (a test checks this).
#[rustfmt::skip]
const GOV_WORDS: &[&str] = &[
    "政务服务", "信息公开", "行政审批", "营业执照", "社会保险", "养老保险", "公积金", "行政许可",
    "不动产", "户籍", "政府采购", "安全生产", "乡村振兴", "食品安全", "便民服务", "办事指南",
    "环境保护", "财政预算", "专项资金", "招投标", "出入境", "医疗保险", "失业保险", "工伤", "扶贫",
    "税收", "就业创业", "营商环境", "并联审批", "政务公开", "价格", "职业技能", "依申请公开",
    "主动公开", "药品监管", "市场主体", "工伤保险", "生育保险", "住房公积金", "不动产登记",
    "户口迁移", "身份证", "居住证", "护照", "港澳通行证", "驾驶证", "机动车", "养老服务",
    "养老机构", "脱贫攻坚", "生态环境", "特种设备", "增值税", "个人所得税", "减税降费", "财政收支",
    "转移支付", "政府债务", "国有资产", "一网通办", "最多跑一次", "个体工商户", "企业登记", "商标",
    "知识产权", "价格监测", "质量监督", "计量", "标准化", "消费者权益", "投诉举报", "行政处罚",
    "行政复议", "行政诉讼", "行政执法", "法律援助", "人民调解", "公共法律服务", "社区矫正",
    "义务教育", "学前教育", "职业教育", "教师资格", "助学金", "奖学金", "学生资助", "医疗卫生",
    "公共卫生", "疾病预防", "疫苗接种", "家庭医生", "基层医疗", "医疗机构", "卫生健康", "妇幼保健",
    "残疾人", "残疾人证", "最低生活保障", "特困供养", "社会福利", "慈善", "婚姻登记", "退役军人",
    "优抚安置", "双拥", "兵役登记", "城乡建设", "住房保障", "公租房", "廉租房", "保障性住房",
    "棚户区改造", "老旧小区", "建筑市场", "施工许可", "工程建设项目", "竣工验收", "城市规划",
    "国土空间规划", "土地出让", "耕地保护", "矿产资源", "地质灾害", "森林防火", "林长制", "河长制",
    "水资源", "水土保持", "防汛抗旱", "饮用水", "农村公路", "道路运输", "公共交通", "出租汽车",
    "交通安全", "驾驶人", "农田水利", "高标准农田", "粮食安全", "农机购置", "农产品", "畜牧",
    "动物防疫", "农村土地承包", "宅基地", "集体经济", "农民专业合作社", "文化旅游", "文物保护",
    "非物质文化遗产", "公共文化", "全民健身", "体育场馆", "广播电视", "应急管理", "应急预案",
    "突发事件", "防灾减灾", "消防安全", "危险化学品", "统计调查", "经济普查", "人口普查",
    "审计监督", "审计整改", "预算执行", "内部控制", "重大项目", "招商引资", "项目审批",
    "固定资产投资", "节能减排", "碳达峰", "大气污染", "水污染", "土壤污染", "环境影响评价",
    "排污许可", "生态保护", "河道管理", "城市管理", "市容环境", "户外广告", "停车管理", "电子政务",
    "数字政府", "政务数据", "信用体系", "失信惩戒", "双随机", "放管服", "证明事项", "告知承诺",
    "容缺受理", "帮办代办", "稳岗", "创业担保贷款", "劳动合同", "劳动仲裁", "欠薪", "农民工",
    "人才引进", "职称评审", "技能人才", "事业单位", "公务员", "人事任免", "机构编制", "政府信箱",
    "市长热线", "建议提案", "人大代表建议", "政协提案", "规范性文件", "合法性审查", "公平竞争审查",
    "政策解读", "新闻发布", "征求意见", "听证", "重大决策", "权责清单", "收费目录",
    "行政事业性收费", "涉企收费", "惠民惠农", "高龄津贴", "孤儿", "留守儿童", "妇女儿童",
    "未成年人保护", "老年人", "民族宗教", "侨务", "对口支援", "东西部协作", "村务公开", "党务公开",
    "行政许可事项", "公共资源交易", "政府购买服务", "政务服务中心", "综合窗口", "网上办事",
    "自助终端", "好差评", "跨省通办", "异地办理", "企业开办", "工商登记", "注销登记", "年度报告",
    "统一社会信用代码", "税务登记", "发票", "纳税服务", "社会保障卡", "医疗救治", "药品采购",
    "医疗服务价格", "基本公共卫生", "健康扶贫", "易地扶贫搬迁", "产业发展", "农业保险", "种业",
    "农村电商", "旅游景区", "乐山大佛", "峨眉山", "文明城市", "卫生城市", "人居环境", "厕所革命",
    "污染防治", "噪声污染", "环境监测", "水环境", "饮水安全", "电力供应", "天然气", "通信网络",
    "数字经济", "中小企业", "民营经济", "工业园区", "技术改造", "科技创新", "高新技术企业", "专利",
    "科技成果", "人才公寓", "安居工程", "房地产市场", "商品房", "预售许可", "房屋租赁", "建筑节能",
    "城市更新", "海绵城市", "道路建设", "桥梁", "客运站", "公交线路", "网约车", "治超", "交通执法",
    "路政", "航道", "港口", "水运", "防洪", "河湖", "水库", "灌区", "水费", "排水", "供热",
    "政务督查", "绩效考核", "效能建设", "作风建设", "廉政建设", "预决算公开", "三公经费",
    "部门预算", "部门决算", "国库集中支付", "非税收入", "债券资金",
];

/// The planted high-frequency class: each word is put into roughly 5–13 % of documents.
const HEAVY_WORDS: &[&str] = &[
    "社保", "医保", "低保", "补贴", "救助", "备案", "缴费", "报销", "参保", "证照", "退税", "落户",
    "就医", "入学", "招聘", "培训", "补助", "抚恤", "征收", "物业", "垃圾", "污水", "燃气", "网格",
];

/// The planted low-frequency class: each word is put into 0.1–0.3 % of documents.
const RARE_WORDS: &[&str] = &[
    "殡葬", "渔政", "蚕桑", "烟叶", "菌种", "蜂蜜", "鱼苗", "畜禽", "兽医", "狂犬", "鼠疫", "疟疾",
    "痢疾", "碘盐", "硒茶", "尾矿", "砂石", "窑炉", "锅炉", "氨氮", "扬尘", "秸秆", "沼气", "滑坡",
    "堰塞", "渡口", "索道", "缆车", "栈道", "隧洞", "闸坝", "灌渠", "堤防", "塘坝", "苗圃", "竹笋",
    "桂花", "楠木", "珙桐", "彝绣", "漂流", "温泉", "盐卤", "磷矿", "晶硅",
];

/// Single characters of varied frequency for one-character queries.
const ONE_CHAR_QUERIES: &[&str] = &[
    "市", "政", "务", "局", "公", "社", "保", "税", "医", "农", "证", "房", "车", "学", "水", "林",
    "审", "批", "残", "旅", "港", "矿", "茶", "桥", "犍", "峨", "沐", "彝", "殡", "渔", "珙", "飘",
];

/// Fixed long query terms, all taken from the vocabulary or the templates.
const LONG_QUERIES: &[&str] = &[
    "信息公开",
    "营业执照",
    "政府采购",
    "并联审批",
    "行政许可事项",
    "养老保险",
    "失业保险",
    "乡村振兴",
    "环境保护",
    "安全生产",
    "食品安全",
    "药品监管",
    "财政预算",
    "专项资金",
    "依申请公开",
    "不动产登记",
    "住房公积金",
    "政务服务",
    "便民服务",
    "办事指南",
    "行政审批",
    "工程建设项目",
    "公共资源交易",
    "最低生活保障",
    "社会保险",
    "营商环境",
    "一网通办",
    "最多跑一次",
    "行政处罚",
    "行政复议",
    "规范性文件",
    "国土空间规划",
    "高标准农田",
    "非物质文化遗产",
    "统一社会信用代码",
    "政府信息公开工作年度报告",
    "公开招标公告",
    "人民政府办公室",
    "按时办结率",
    "一体化政务服务平台",
];

/// Words that occur in titles, with their pinyin initials (first letter of each syllable;
/// zh/ch/sh count as z/c/s).
const PINYIN_INITIALS: &[(&str, &str)] = &[
    ("社保", "sb"),
    ("医保", "yb"),
    ("低保", "db"),
    ("补贴", "bt"),
    ("缴费", "jf"),
    ("落户", "lh"),
    ("招聘", "zp"),
    ("物业", "wy"),
    ("培训", "px"),
    ("营业执照", "yyzz"),
    ("并联审批", "blsp"),
    ("政府采购", "zfcg"),
    ("信息公开", "xxgk"),
    ("办事指南", "bszn"),
    ("公积金", "gjj"),
    ("不动产", "bdc"),
    ("出入境", "crj"),
    ("养老保险", "ylbx"),
    ("乡村振兴", "xczx"),
    ("安全生产", "aqsc"),
    ("食品安全", "spaq"),
    ("行政许可", "xzxk"),
    ("户籍", "hj"),
    ("扶贫", "fp"),
    ("营商环境", "yshj"),
    ("专项资金", "zxzj"),
    ("政务公开", "zwgk"),
];

/// Traditional spellings and the Simplified words they stand for (the Simplified side occurs
/// in the corpus; only the Traditional side is exposed as queries).
const TRADITIONAL: &[(&str, &str)] = &[
    ("醫保", "医保"),
    ("社會保險", "社会保险"),
    ("營業執照", "营业执照"),
    ("公開", "公开"),
    ("稅務", "税务"),
    ("審批", "审批"),
    ("價格", "价格"),
    ("職業", "职业"),
    ("養老保險", "养老保险"),
    ("醫療保障", "医疗保障"),
    ("補貼", "补贴"),
    ("戶籍", "户籍"),
    ("農業農村", "农业农村"),
    ("財政預算", "财政预算"),
    ("政府採購", "政府采购"),
    ("不動產", "不动产"),
    ("公積金", "公积金"),
    ("辦事指南", "办事指南"),
    ("環境保護", "环境保护"),
    ("衛生健康", "卫生健康"),
    ("鄉村振興", "乡村振兴"),
    ("行政許可", "行政许可"),
    ("專項資金", "专项资金"),
    ("勞動合同", "劳动合同"),
    ("營商環境", "营商环境"),
];

// ---------------------------------------------------------------------------------------------
// Agencies, places and classification tables
// ---------------------------------------------------------------------------------------------

/// A fictitious publisher modelled on a real Leshan body.
#[derive(Debug)]
struct Agency {
    id: &'static str,
    name: &'static str,
    /// The customary short form used in titles.
    short: &'static str,
    /// Document number prefix, as in `乐府发〔2019〕12号`.
    doc_prefix: &'static str,
    /// Its area when it is a district or county government.
    area: Option<&'static str>,
    /// 国务院主题分类 level 1 and candidate level-2 topics.
    topic: (&'static str, &'static [&'static str]),
    /// Matters it typically writes about (titles and summaries favour these).
    matters: &'static [&'static str],
}

const fn agency(
    id: &'static str,
    name: &'static str,
    short: &'static str,
    doc_prefix: &'static str,
    topic: (&'static str, &'static [&'static str]),
    matters: &'static [&'static str],
) -> Agency {
    Agency {
        id,
        name,
        short,
        doc_prefix,
        area: None,
        topic,
        matters,
    }
}

const fn county(
    id: &'static str,
    name: &'static str,
    short: &'static str,
    doc_prefix: &'static str,
    area: &'static str,
) -> Agency {
    Agency {
        id,
        name,
        short,
        doc_prefix,
        area: Some(area),
        topic: ("综合政务", &["政务公开", "电子政务", "应急管理", "其他"]),
        matters: &[
            "乡村振兴",
            "政务服务",
            "便民服务",
            "信息公开",
            "重大项目",
            "人居环境",
        ],
    }
}

#[rustfmt::skip]
const AGENCIES: &[Agency] = &[
    agency("ag-ls-zwzx", "乐山市人民政府政务服务中心", "市政务服务中心", "乐市政务发",
        ("综合政务", &["政务公开", "电子政务", "其他"]),
        &["并联审批", "政务服务", "行政审批", "一网通办", "综合窗口", "好差评", "帮办代办"]),
    agency("ag-ls-gov", "乐山市人民政府", "市政府", "乐府发",
        ("综合政务", &["政务公开", "应急管理", "政务督查", "其他"]),
        &["乡村振兴", "营商环境", "重大项目", "招商引资", "财政预算", "文明城市"]),
    agency("ag-ls-gov-office", "乐山市人民政府办公室", "市政府办公室", "乐府办发",
        ("综合政务", &["政务公开", "电子政务", "政务督查", "其他"]),
        &["政务公开", "规范性文件", "政策解读", "建议提案", "市长热线", "政务督查"]),
    agency("ag-ls-fgw", "乐山市发展和改革委员会", "市发展改革委", "乐发改",
        ("国民经济管理、国有资产监管", &["发展规划", "物价", "其他"]),
        &["价格", "价格监测", "重大项目", "固定资产投资", "节能减排", "碳达峰"]),
    agency("ag-ls-jyj", "乐山市教育局", "市教育局", "乐市教",
        ("科技、教育", &["教育", "其他"]),
        &["义务教育", "学前教育", "学生资助", "教师资格", "助学金", "职业教育"]),
    agency("ag-ls-kjj", "乐山市科学技术局", "市科技局", "乐市科",
        ("科技、教育", &["科技", "其他"]),
        &["科技创新", "高新技术企业", "科技成果", "专利", "人才引进"]),
    agency("ag-ls-jxj", "乐山市经济和信息化局", "市经信局", "乐市经信",
        ("工业、交通", &["信息产业（含电信）", "其他"]),
        &["中小企业", "民营经济", "工业园区", "技术改造", "电力供应", "数字经济"]),
    agency("ag-ls-gaj", "乐山市公安局", "市公安局", "乐市公",
        ("公安、安全、司法", &["公安", "其他"]),
        &["户籍", "户口迁移", "身份证", "居住证", "驾驶证", "机动车", "交通安全"]),
    agency("ag-ls-crj", "乐山市公安局出入境管理支队", "市出入境管理支队", "乐公出入境",
        ("公安、安全、司法", &["公安", "其他"]),
        &["出入境", "护照", "港澳通行证", "异地办理", "跨省通办"]),
    agency("ag-ls-mzj", "乐山市民政局", "市民政局", "乐市民",
        ("民政、扶贫、救灾", &["社会福利", "减灾救灾", "其他"]),
        &["最低生活保障", "特困供养", "养老服务", "婚姻登记", "社会福利", "孤儿", "高龄津贴"]),
    agency("ag-ls-sfj", "乐山市司法局", "市司法局", "乐市司",
        ("公安、安全、司法", &["司法", "其他"]),
        &["法律援助", "人民调解", "公共法律服务", "社区矫正", "合法性审查", "行政复议"]),
    agency("ag-ls-czj", "乐山市财政局", "市财政局", "乐市财",
        ("财政、金融、审计", &["财政", "其他"]),
        &["财政预算", "专项资金", "政府采购", "转移支付", "预决算公开", "三公经费", "政府债务"]),
    agency("ag-ls-rsj", "乐山市人力资源和社会保障局", "市人社局", "乐人社发",
        ("劳动、人事、监察", &["劳动就业", "社会保障", "人事工作", "其他"], ),
        &["养老保险", "失业保险", "工伤保险", "就业创业", "职业技能", "劳动合同", "社会保障卡"]),
    agency("ag-ls-zrzyj", "乐山市自然资源和规划局", "市自然资源和规划局", "乐自然资",
        ("国土资源、能源", &["土地", "矿产", "其他"]),
        &["不动产登记", "国土空间规划", "土地出让", "耕地保护", "矿产资源", "地质灾害"]),
    agency("ag-ls-sthjj", "乐山市生态环境局", "市生态环境局", "乐市环",
        ("城乡建设、环境保护", &["环境监测、保护与治理", "其他"]),
        &["环境保护", "大气污染", "水污染", "排污许可", "环境影响评价", "污染防治"]),
    agency("ag-ls-zjj", "乐山市住房和城乡建设局", "市住建局", "乐市住建",
        ("城乡建设、环境保护", &["城乡建设（含住房）", "其他"]),
        &["保障性住房", "公租房", "棚户区改造", "老旧小区", "施工许可", "商品房", "预售许可"]),
    agency("ag-ls-jtysj", "乐山市交通运输局", "市交通运输局", "乐市交",
        ("工业、交通", &["公路", "水运", "其他"]),
        &["农村公路", "道路运输", "公共交通", "出租汽车", "网约车", "治超", "航道"]),
    agency("ag-ls-swj", "乐山市水务局", "市水务局", "乐市水",
        ("农业、林业、水利", &["水利", "其他"]),
        &["水资源", "防汛抗旱", "河长制", "水土保持", "饮水安全", "水库"]),
    agency("ag-ls-nyncj", "乐山市农业农村局", "市农业农村局", "乐市农",
        ("农业、林业、水利", &["农业、农村", "其他"]),
        &["高标准农田", "农机购置", "农产品", "动物防疫", "宅基地", "农业保险", "种业"]),
    agency("ag-ls-swuj", "乐山市商务局", "市商务局", "乐市商",
        ("商贸、海关、旅游", &["国内贸易（含供销）", "其他"]),
        &["招商引资", "农村电商", "市场主体", "中小企业"]),
    agency("ag-ls-wglj", "乐山市文化广播电视和旅游局", "市文广旅局", "乐市文旅",
        ("文化、广电、新闻出版", &["文化", "广播影视", "文物", "其他"], ),
        &["文化旅游", "文物保护", "非物质文化遗产", "旅游景区", "乐山大佛", "峨眉山", "公共文化"]),
    agency("ag-ls-wjw", "乐山市卫生健康委员会", "市卫生健康委", "乐卫健",
        ("卫生、体育", &["卫生", "疾病预防控制", "医药管理", "其他"]),
        &["公共卫生", "疾病预防", "疫苗接种", "家庭医生", "基层医疗", "妇幼保健", "医疗机构"]),
    agency("ag-ls-tyjrj", "乐山市退役军人事务局", "市退役军人事务局", "乐退役",
        ("民政、扶贫、救灾", &["优抚安置", "其他"]),
        &["退役军人", "优抚安置", "双拥", "兵役登记"]),
    agency("ag-ls-yjj", "乐山市应急管理局", "市应急管理局", "乐应急",
        ("市场监管、安全生产监管", &["安全生产监管", "其他"]),
        &["安全生产", "应急预案", "防灾减灾", "危险化学品", "森林防火", "消防安全"]),
    agency("ag-ls-sjj", "乐山市审计局", "市审计局", "乐审",
        ("财政、金融、审计", &["审计", "其他"]),
        &["审计监督", "审计整改", "预算执行", "内部控制"]),
    agency("ag-ls-scjgj", "乐山市市场监督管理局", "市市场监管局", "乐市监",
        ("市场监管、安全生产监管", &["市场监管", "食品药品监管", "其他"], ),
        &["营业执照", "食品安全", "药品监管", "特种设备", "企业开办", "个体工商户", "商标"]),
    agency("ag-ls-tjj", "乐山市统计局", "市统计局", "乐统",
        ("国民经济管理、国有资产监管", &["统计", "其他"]),
        &["统计调查", "经济普查", "人口普查"]),
    agency("ag-ls-ybj", "乐山市医疗保障局", "市医疗保障局", "乐医疗保障发",
        ("卫生、体育", &["医药管理", "其他"]),
        &["医疗保险", "生育保险", "药品采购", "医疗服务价格", "医疗救治"]),
    agency("ag-ls-lyj", "乐山市林业局", "市林业局", "乐林",
        ("农业、林业、水利", &["林业", "其他"]),
        &["林长制", "森林防火", "生态保护"]),
    agency("ag-ls-tax", "乐山市税务局", "市税务局", "乐税发",
        ("财政、金融、审计", &["税务", "其他"]),
        &["税收", "增值税", "个人所得税", "减税降费", "发票", "纳税服务", "税务登记"]),
    agency("ag-ls-gjj", "乐山市住房公积金管理中心", "市公积金中心", "乐公积金",
        ("城乡建设、环境保护", &["城乡建设（含住房）", "其他"]),
        &["住房公积金", "公积金", "安居工程"]),
    agency("ag-ls-ggzy", "乐山市公共资源交易服务中心", "市公共资源交易中心", "乐公资",
        ("财政、金融、审计", &["财政", "其他"]),
        &["公共资源交易", "政府采购", "招投标", "工程建设项目", "土地出让"]),
    county("ag-ls-szq", "乐山市市中区人民政府", "市中区政府", "市中府发", "市中区"),
    county("ag-ls-wtq", "乐山市五通桥区人民政府", "五通桥区政府", "五府发", "五通桥区"),
    county("ag-ls-swq", "乐山市沙湾区人民政府", "沙湾区政府", "沙府发", "沙湾区"),
    county("ag-ls-jkh", "乐山市金口河区人民政府", "金口河区政府", "金府发", "金口河区"),
    county("ag-ls-qw", "犍为县人民政府", "犍为县政府", "犍府发", "犍为县"),
    county("ag-ls-jy", "井研县人民政府", "井研县政府", "井府发", "井研县"),
    county("ag-ls-jj", "夹江县人民政府", "夹江县政府", "夹府发", "夹江县"),
    county("ag-ls-mc", "沐川县人民政府", "沐川县政府", "沐府发", "沐川县"),
    county("ag-ls-eb", "峨边彝族自治县人民政府", "峨边县政府", "峨边府发", "峨边彝族自治县"),
    county("ag-ls-mb", "马边彝族自治县人民政府", "马边县政府", "马府发", "马边彝族自治县"),
    county("ag-ls-ems", "峨眉山市人民政府", "峨眉山市政府", "峨府发", "峨眉山市"),
];

/// Places a city-level document may be about.
const AREAS: &[&str] = &[
    "全市",
    "乐山市",
    "市中区",
    "五通桥区",
    "沙湾区",
    "金口河区",
    "犍为县",
    "井研县",
    "夹江县",
    "沐川县",
    "峨边彝族自治县",
    "马边彝族自治县",
    "峨眉山市",
    "高新区",
    "乐山城区",
];

const VERBS: &[&str] = &[
    "加强", "推进", "规范", "做好", "落实", "完善", "优化", "深化", "强化", "健全", "加快", "统筹",
    "提升",
];

const LAWS: &[&str] = &[
    "《中华人民共和国政府信息公开条例》",
    "《中华人民共和国行政许可法》",
    "《优化营商环境条例》",
    "《四川省政务服务条例》",
    "《中华人民共和国预算法》",
    "《中华人民共和国安全生产法》",
    "《中华人民共和国食品安全法》",
    "《中华人民共和国政府采购法》",
    "《中华人民共和国社会保险法》",
    "《重大行政决策程序暂行条例》",
    "国家和省有关文件",
];

/// Kiosk category codes, most common first (sampled with a Zipf skew).
const CATEGORIES: &[Category] = &[
    Category {
        code: "XXGK",
        sichuan: &[
            ("概况信息", "其他"),
            ("政府文件", "其他"),
            ("财政信息", "财政预决算"),
        ],
        titles: &[
            ("O政府信息公开指南", "指南"),
            ("QY年M信息公开目录", "其他"),
            ("Q关于M有关情况的说明", "其他"),
            ("QY年M信息公开", "其他"),
        ],
        openings: &[
            "为保障公民、法人和其他组织依法获取政府信息，根据L，编制本指南。",
            "根据L，现将OY年M有关信息予以公开。",
        ],
    },
    Category {
        code: "BMFW",
        sichuan: &[
            ("便民服务", "办事指南"),
            ("便民服务", "服务网点"),
            ("便民服务", "常见问题"),
        ],
        titles: &[
            ("M办事指南", "指南"),
            ("AM服务网点一览", "其他"),
            ("M常见问题解答", "其他"),
            ("如何办理M有关事项", "其他"),
        ],
        openings: &[
            "办理M，申请人可到A政务服务中心综合窗口或通过网上办事大厅提交申请。",
            "为方便群众办事，现将M办理有关事项告知如下。",
        ],
    },
    Category {
        code: "GZDT",
        sichuan: &[
            ("动态信息", "工作动态"),
            ("动态信息", "重要会议"),
            ("突发公共事件", "应对情况"),
        ],
        titles: &[
            ("Q召开Y年M工作会议", "其他"),
            ("A扎实推进M工作", "其他"),
            ("Q开展M专项检查", "通报"),
            ("QVM工作取得实效", "其他"),
        ],
        openings: &[
            "Y年D月E日，O召开M工作会议，研究部署下一阶段重点任务。",
            "近日，A组织开展M专项检查，对WG情况进行全面排查。",
        ],
    },
    Category {
        code: "ZCFG",
        sichuan: &[
            ("政府文件", "规范性文件"),
            ("政府文件", "通知"),
            ("政府文件", "意见"),
        ],
        titles: &[
            ("Q关于印发《AM管理办法》的通知", "通知"),
            ("Q关于VM工作的意见", "意见"),
            ("Q关于M有关事项的通知", "通知"),
            ("Q关于VM工作的决定", "决定"),
            ("Q关于M的通告", "通告"),
        ],
        openings: &[
            "各县（市、区）人民政府，市级各部门：为VMW，根据L，结合我市实际，现就有关事项通知如下。",
            "为深入贯彻L，进一步VM工作，提出如下意见。",
        ],
    },
    Category {
        code: "XZSP",
        sichuan: &[
            ("行政权力", "行政许可"),
            ("行政权力", "办事指南"),
            ("行政权力", "办理情况"),
        ],
        titles: &[
            ("M行政许可事项办事指南", "指南"),
            ("QY年D月M审批结果公示", "公告"),
            ("关于M行政审批事项的公告", "公告"),
        ],
        openings: &[
            "本事项的设定依据为L及WG有关规定。",
            "现将Y年D月M行政审批办理结果予以公示，公示期为J个工作日。",
        ],
    },
    Category {
        code: "BLSP",
        sichuan: &[("行政权力", "办事指南"), ("重大项目", "项目审批")],
        titles: &[
            ("M并联审批流程", "指南"),
            ("关于推行M并联审批的通知", "通知"),
            ("A工程建设项目M并联审批实施细则", "办法"),
        ],
        openings: &[
            "为进一步优化营商环境，对M实行“一窗受理、并联审批、限时办结”。",
            "根据L，A对工程建设项目M实行并联审批。",
        ],
    },
    Category {
        code: "GZZD",
        sichuan: &[("政府文件", "规范性文件"), ("政府文件", "其他")],
        titles: &[
            ("QM管理制度", "办法"),
            ("QM工作规程（试行）", "办法"),
            ("Q关于建立M工作机制的通知", "通知"),
        ],
        openings: &[
            "为规范M工作，明确工作职责和程序，根据L，制定本制度。",
            "本规程适用于O及所属单位的M工作。",
        ],
    },
    Category {
        code: "GGZY",
        sichuan: &[("财政信息", "政府采购"), ("财政信息", "招投标")],
        titles: &[
            ("AM项目公开招标公告", "公告"),
            ("AM项目中标结果公告", "公告"),
            ("QM政府采购项目竞争性磋商公告", "公告"),
        ],
        openings: &[
            "A公共资源交易服务中心受采购人委托，对M项目进行公开招标，欢迎合格供应商参加。",
            "AM项目已按法定程序完成评标，现将中标结果公告如下。",
        ],
    },
    Category {
        code: "GHJH",
        sichuan: &[("政府文件", "其他"), ("重大项目", "项目实施")],
        titles: &[
            ("A“十四五”M发展规划", "规划"),
            ("QY年M工作计划", "方案"),
            ("AM三年行动方案", "方案"),
        ],
        openings: &[
            "为科学谋划M发展，根据L，结合A实际，编制本规划。",
            "Y年是M工作的关键之年，为确保各项目标任务落地见效，制定本方案。",
        ],
    },
    Category {
        code: "JGZN",
        sichuan: &[
            ("概况信息", "机构职能"),
            ("概况信息", "内设机构"),
            ("概况信息", "领导信息"),
        ],
        titles: &[
            ("O主要职责", "其他"),
            ("O内设机构及职能", "其他"),
            ("O领导分工及联系方式", "其他"),
        ],
        openings: &[
            "O是主管M工作的部门，主要职责是贯彻执行国家和省有关方针政策和法律法规。",
            "O内设办公室、M科、政策法规科等J个科室。",
        ],
    },
    Category {
        code: "NDBG",
        sichuan: &[("政府文件", "报告")],
        titles: &[
            ("OY年政府信息公开工作年度报告", "报告"),
            ("AY年M工作情况报告", "报告"),
            ("OY年度M工作总结", "报告"),
        ],
        openings: &[
            "本报告根据L要求编制，反映OY年政府信息公开工作情况。",
            "Y年，A深入贯彻落实上级决策部署，M工作取得明显成效。",
        ],
    },
];

/// One kiosk category: its code, Sichuan topics, title templates (with genre) and openings.
#[derive(Debug)]
struct Category {
    code: &'static str,
    sichuan: &'static [(&'static str, &'static str)],
    titles: &'static [(&'static str, &'static str)],
    openings: &'static [&'static str],
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------
//
// Upper-case ASCII letters are slots (they never occur inside UTF-8 multi-byte sequences):
// A area · O agency · Q agency in a title (often the short form) · G government word ·
// F filler word · W word (40 % government, 60 % filler) · M matter · V verb · L law ·
// Y year · Z previous year · D month · E day · N count · J small count · K large count ·
// P percentage · R amount in 万元 · T telephone number.

/// General body sentences.
const BODY_SENTENCES: &[&str] = &[
    "Y年，O共办理WM事项N件，按时办结率达到P%。",
    "各县（市、区）要VW，VWW，确保M工作落到实处。",
    "截至Y年D月底，A累计受理GW申请N件，办结N件。",
    "申请人可通过政府网站、政府信息查阅点或窗口现场提交WM申请材料。",
    "办理时限为J个工作日，不收取任何费用，申请材料齐全、符合法定形式的当场受理。",
    "本文件自印发之日起施行，有效期J年，此前有关规定与本文件不一致的，以本文件为准。",
    "对WW、WG等突出问题，要坚持问题导向，VW机制。",
    "市级各有关部门要加强协调配合，建立健全信息共享机制，形成WG工作合力。",
    "经审核，符合条件的N户W已纳入M保障范围。",
    "下一步，O将继续VGW，不断提升群众满意度。",
    "监督投诉渠道：O，咨询电话：T，工作时间为法定工作日上午九时至下午五时。",
    "办公地址：乐山市市中区W路J号，可乘坐J路公交车到达，群众也可通过政府网站在线咨询。",
    "会议强调，要VGW，扎实做好W各项工作。",
    "会议指出，WG事关群众切身利益，各单位要高度重视。",
    "各地要严格按照L要求，VWG管理。",
    "Y年全市WG资金共计R万元，其中M专项资金R万元。",
    "对未按规定VW的单位，将依法依规严肃处理，并在一定范围内通报。",
    "全年共开展WG检查N次，发现问题N个，已整改N个。",
    "公开内容包括M的依据、条件、程序、时限和WW等信息。",
    "办理流程为申请、受理、审查、决定、送达五个环节，申请人可通过网上办事大厅实时查询办理进度。",
    "所需材料包括申请表、身份证明及WG相关材料。",
    "依托一体化政务服务平台，实现GW“一网通办”。",
    "通过并联审批，GW办理时间由N个工作日压缩至J个工作日。",
    "本项目采购预算为R万元，采购方式为公开招标。",
    "投标人应具备WG相关资质，并于Y年D月E日前递交投标文件。",
    "中标单位为乐山市FF有限公司，中标金额R万元。",
    "本年度共主动公开政府信息N条，其中WG类信息N条。",
    "全年收到政府信息公开申请N件，其中当面申请J件、网络申请J件，均在法定期限内予以答复。",
    "因WG引起的行政复议J件，行政诉讼J件。",
    "各单位要结合WW实际，细化WG工作措施，明确责任分工和完成时限，确保各项任务按期完成。",
    "对群众反映的WW问题，实行首问负责、限时办结。",
    "Y年D月，A召开WG工作推进会，部署下一阶段重点任务。",
    "全面推行WG“最多跑一次”改革，GW事项K件次实现网上办理。",
    "加快推进GW数字化建设，推动数据共享和业务协同，提升M服务效能。",
    "在WF、GW等方面取得明显成效，得到群众普遍认可。",
    "请各单位于Y年D月E日前将WG情况报送O。",
    "ZY两年间，A共投入WG资金R万元，惠及群众K人次。",
    "坚持以人民为中心，围绕WF和GW，着力解决群众急难愁盼问题。",
    "对WG实行清单管理，清单之外一律不得WF。",
    "按照“谁主管、谁负责”的原则，VGW责任。",
];

/// Lead-in clauses put in front of some body sentences.
const LEAD_INS: &[&str] = &[
    "为VGW，",
    "根据L，",
    "在WG方面，",
    "按照WG工作要求，",
    "针对WF等问题，",
    "同时，",
    "此外，",
    "围绕M和GW，",
];

/// Closing sentences; used to place words that found no slot earlier in the body.
const CLOSING_SENTENCES: &[&str] = &[
    "M相关工作按有关规定执行。",
    "有关M的具体事项，请咨询O。",
    "涉及M的事项，以最新政策为准。",
];

/// Summary sentences (two or three make a 40–100 character summary).
const SUMMARY_SENTENCES: &[&str] = &[
    "本文件明确了MW的工作目标、主要任务和保障措施。",
    "O就Y年M工作作出部署，要求VGW。",
    "介绍M的办理依据、申请条件、所需材料、办理流程和办理时限。",
    "公布AY年MW情况，共涉及WG事项N件。",
    "内容涉及WG、GW和MF等方面。",
    "现将M有关事项公告如下。",
    "为VMW，O制定本文件，自发布之日起施行。",
    "重点围绕M，提出WG和GW等J项具体措施。",
];

const DISCLOSURE_REASONS_ON_REQUEST: &[&str] = &[
    "涉及特定申请人的个人信息，仅向申请人本人依申请提供。",
    "属于过程性信息，按依申请公开处理。",
    "仅涉及特定对象的办理结果，依申请向利害关系人提供。",
];

const DISCLOSURE_REASONS_WITHHELD: &[&str] = &[
    "涉及商业秘密，公开可能损害第三方合法权益（条例(2019)第十五条）。",
    "属于内部事务信息（条例(2019)第十六条第一款）。",
    "涉及个人隐私，公开会对第三方合法权益造成损害（条例(2019)第十五条）。",
];

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

const FIRST_YEAR: i32 = 2008;
const LAST_YEAR: i32 = 2025;
const YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;
const FILLER_WORD_COUNT: usize = 20_000;
/// Share of free word slots in summaries and bodies filled from the filler vocabulary.
const FILLER_SHARE: f64 = 0.6;
/// Share of free word slots in titles filled from the filler vocabulary.
const TITLE_FILLER_SHARE: f64 = 0.2;

/// Sampling tables shared by all documents; independent of the seed.
#[derive(Debug)]
struct Vocab {
    gov: Zipf,
    filler: Vec<String>,
    filler_zipf: Zipf,
    agencies: Zipf,
    areas: Zipf,
    categories: Zipf,
    org_codes: Vec<String>,
}

impl Vocab {
    fn new() -> Self {
        let mut rng = Rng::new(0x4C45_5348_414E_0001);
        Self {
            gov: Zipf::new(GOV_WORDS.len(), 1.0, 2.0),
            filler: filler_words(&mut rng),
            filler_zipf: Zipf::new(FILLER_WORD_COUNT, 1.0, 8.0),
            agencies: Zipf::new(AGENCIES.len(), 0.6, 1.0),
            areas: Zipf::new(AREAS.len(), 1.0, 1.0),
            categories: Zipf::new(CATEGORIES.len(), 1.0, 1.5),
            org_codes: org_codes(&mut rng, AGENCIES.len()),
        }
    }

    fn gov_word(&self, rng: &mut Rng) -> &'static str {
        GOV_WORDS[self.gov.sample(rng)]
    }

    fn filler_word(&self, rng: &mut Rng) -> &str {
        &self.filler[self.filler_zipf.sample(rng)]
    }
}

/// Builds the distinct two-character filler words from [`FILLER_CHARS`], characters weighted by
/// rank so that some are everywhere and others rare. Words that equal a vocabulary or query
/// word are skipped, so filler never plants those by accident.
fn filler_words(rng: &mut Rng) -> Vec<String> {
    let chars: Vec<char> = FILLER_CHARS.chars().collect();
    let weights = Zipf::new(chars.len(), 0.9, 12.0);
    let reserved = |w: &str| {
        HEAVY_WORDS.contains(&w)
            || RARE_WORDS.contains(&w)
            || GOV_WORDS.iter().any(|g| g.contains(w))
    };
    let mut seen = std::collections::HashSet::with_capacity(FILLER_WORD_COUNT * 2);
    let mut words = Vec::with_capacity(FILLER_WORD_COUNT);
    while words.len() < FILLER_WORD_COUNT {
        let mut w = String::with_capacity(6);
        w.push(chars[weights.sample(rng)]);
        w.push(chars[weights.sample(rng)]);
        if !reserved(&w) && seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}

/// Fictitious 9-character organisation codes: 8 digits plus the GB 11714 check character.
fn org_codes(rng: &mut Rng, n: usize) -> Vec<String> {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let mut codes: Vec<String> = Vec::with_capacity(n);
    while codes.len() < n {
        let digits: Vec<u32> = (0..8).map(|_| rng.below(10) as u32).collect();
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        let check = match 11 - sum % 11 {
            10 => 'X',
            11 => '0',
            c => char::from(b'0' + c as u8),
        };
        let mut code: String = digits.iter().map(|&d| char::from(b'0' + d as u8)).collect();
        code.push(check);
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// Mutable state that runs across documents: index-number counters and the date walk.
#[derive(Debug)]
struct GenState {
    n: usize,
    /// Next serial per (agency, year), wrapping within `1..=99999`.
    serials: Vec<u32>,
}

impl GenState {
    fn new(n: usize) -> Self {
        Self {
            n,
            serials: vec![0; AGENCIES.len() * YEARS],
        }
    }

    fn next_serial(&mut self, agency: usize, year: i32) -> u32 {
        let year_index = usize::try_from(year - FIRST_YEAR)
            .unwrap_or(0)
            .min(YEARS - 1);
        let counter = &mut self.serials[agency * YEARS + year_index];
        let serial = wrap_serial(*counter);
        *counter = counter.wrapping_add(1);
        serial
    }

    /// Generated dates advance with the document index (plus jitter), as in a real catalogue.
    fn dates(&self, i: usize, rng: &mut Rng) -> (i64, i64) {
        let first = days_from_civil(FIRST_YEAR, 1, 1);
        let last = days_from_civil(LAST_YEAR, 12, 31);
        let span = last - first;
        let base = first + (i as i64 * span) / self.n.max(1) as i64;
        let generated = (base + rng.range(0, 40) as i64 - 20).clamp(first, last);
        let delay = match rng.below(100) {
            0..50 => 0,
            50..85 => rng.range(1, 7),
            _ => rng.range(8, 30),
        };
        (generated, (generated + i64::from(delay)).min(last))
    }

    fn document(&mut self, i: usize, vocab: &Vocab, rng: &mut Rng) -> Value {
        let agency_index = vocab.agencies.sample(rng);
        let agency = &AGENCIES[agency_index];
        let category = &CATEGORIES[vocab.categories.sample(rng)];
        let (generated, published) = self.dates(i, rng);
        let (year, _, _) = civil_from_days(generated);
        let area = match agency.area {
            Some(area) => area,
            None => AREAS[vocab.areas.sample(rng)],
        };

        let mut w = Writer {
            rng,
            vocab,
            agency,
            area,
            year,
            pending: Vec::new(),
            take: 1.0,
            in_title: false,
            title_words: Vec::new(),
        };

        let planted = Planted::draw(w.rng, i, self.n);
        let (title_template, genre) = *w.rng.pick(category.titles);
        let title = w.title(title_template, planted.title);
        let summary = w.summary(planted.summary);
        let opening = *w.rng.pick(category.openings);
        let body = w.body(opening, planted.body);
        let keywords = w.keywords();
        let rng = w.rng;

        let mut index_no = String::with_capacity(20);
        let serial = self.next_serial(agency_index, year);
        let _ = write!(
            index_no,
            "{}/{year}-{serial:05}",
            vocab.org_codes[agency_index]
        );

        let doc_number = if rng.chance(0.5) {
            Value::Null
        } else {
            Value::String(format!(
                "{}〔{year}〕{}号",
                agency.doc_prefix,
                rng.range(1, 150)
            ))
        };
        let (level3, level4) = *rng.pick(category.sichuan);
        let level2 = *rng.pick(agency.topic.1);
        let audience: &[&str] = match rng.below(100) {
            0..35 => &["面向公民"],
            35..60 => &["面向法人"],
            _ => &["面向公民", "面向法人"],
        };
        let (mode, reason) = match rng.below(100) {
            0..92 => ("主动公开", None),
            92..98 => ("依申请公开", Some(*rng.pick(DISCLOSURE_REASONS_ON_REQUEST))),
            _ => ("不予公开", Some(*rng.pick(DISCLOSURE_REASONS_WITHHELD))),
        };
        let channels: &[&str] = if reason.is_none() {
            &["政府网站", "政府信息查阅点"]
        } else {
            &[]
        };
        let validity = match rng.below(100) {
            0..92 => "有效",
            92..97 => "失效",
            _ => "废止",
        };
        let mut related = Vec::new();
        if i > 0 && rng.chance(0.15) {
            for _ in 0..rng.range(1, 2) {
                let back = 1 + rng.below(i.min(500));
                let id = document_id(i - back);
                if !related.contains(&id) {
                    related.push(id);
                }
            }
        }

        let mut doc = json!({
            "kind": "catalogue_entry",
            "id": document_id(i),
            "index_no": index_no,
            "title": title,
            "summary": summary,
            "generated_date": format_date(generated),
            "published_date": format_date(published),
            "publisher": { "id": agency.id, "name": agency.name },
            "doc_number": doc_number,
            "category": category.code,
            "topic_gov_cn": [agency.topic.0, level2],
            "topic_sichuan": [level3, level4],
            "genre": genre,
            "audience": audience,
            "keywords": keywords,
            "disclosure_mode": mode,
            "disclosure_channels": channels,
            "time_limit": "长期公开",
            "validity": validity,
            "language": "zh-Hans",
            "body": body,
            "attachments": [],
            "legal_basis": [],
            "related_ids": related,
            "provenance": { "metadata_status": "illustrative" },
        });
        if let (Some(reason), Some(map)) = (reason, doc.as_object_mut()) {
            map.insert("disclosure_mode_reason".to_owned(), Value::from(reason));
        }
        doc
    }
}

/// Query words chosen for one document, by the field they go into.
#[derive(Debug, Default)]
struct Planted {
    title: Vec<&'static str>,
    summary: Vec<&'static str>,
    body: Vec<&'static str>,
}

impl Planted {
    /// Heavy words go to the title, summary or body (3 : 3 : 4); rare words to the body.
    fn draw(rng: &mut Rng, i: usize, n: usize) -> Self {
        let mut planted = Self::default();
        for (k, &word) in HEAVY_WORDS.iter().enumerate() {
            if rng.chance(heavy_probability(k)) {
                match rng.below(10) {
                    0..3 => planted.title.push(word),
                    3..6 => planted.summary.push(word),
                    _ => planted.body.push(word),
                }
            }
        }
        for (k, &word) in RARE_WORDS.iter().enumerate() {
            if rng.chance(rare_probability(k)) || forced_rare(i, n) == Some(k) {
                planted.body.push(word);
            }
        }
        planted
    }
}

/// Planting probability of heavy word `k`: spread evenly over 5–13 %.
fn heavy_probability(k: usize) -> f64 {
    let last = (HEAVY_WORDS.len() - 1).max(1) as f64;
    0.05 + 0.08 * k as f64 / last
}

/// Planting probability of rare word `k`: 0.1 %, 0.2 % or 0.3 %.
fn rare_probability(k: usize) -> f64 {
    0.001 * (1 + k % 3) as f64
}

/// For `n >= 5000`, each rare word is also forced into one document so it always occurs.
fn forced_rare(i: usize, n: usize) -> Option<usize> {
    if n < 5000 {
        return None;
    }
    let stride = n / RARE_WORDS.len();
    (i % stride == stride / 2)
        .then_some(i / stride)
        .filter(|&k| k < RARE_WORDS.len())
}

/// Index-number serial for the `count`-th document of one (organisation, year): 1..=99999,
/// wrapping after 99999.
fn wrap_serial(count: u32) -> u32 {
    count % 99_999 + 1
}

fn document_id(i: usize) -> String {
    format!("bench-{:07}", i + 1)
}

/// Expands templates for one document and keeps the per-document choices.
struct Writer<'a> {
    rng: &'a mut Rng,
    vocab: &'a Vocab,
    agency: &'static Agency,
    area: &'static str,
    year: i32,
    /// Planted words waiting for a word slot.
    pending: Vec<&'static str>,
    /// Probability that a word slot takes a pending planted word.
    take: f64,
    in_title: bool,
    /// Government and planted words used in the title (keyword candidates).
    title_words: Vec<&'static str>,
}

impl Writer<'_> {
    /// The title; planted words without a slot move on to the summary.
    fn title(&mut self, template: &str, planted: Vec<&'static str>) -> String {
        self.pending = planted;
        self.take = 1.0;
        self.in_title = true;
        let mut title = String::with_capacity(96);
        self.expand(&mut title, template);
        self.in_title = false;
        title
    }

    /// Summary sentences until 40 characters are reached, redrawn if that passes 100.
    /// Planted words without a slot move on to the body.
    fn summary(&mut self, planted: Vec<&'static str>) -> String {
        self.pending.extend(planted);
        self.take = 0.6;
        let mut summary = String::with_capacity(300);
        for attempt in 0..8 {
            summary.clear();
            let snapshot = self.pending.clone();
            while summary.chars().count() < 40 {
                let t = *self.rng.pick(SUMMARY_SENTENCES);
                self.expand(&mut summary, t);
            }
            if summary.chars().count() <= 100 || attempt == 7 {
                break;
            }
            self.pending = snapshot;
        }
        summary
    }

    /// The opening, then 4–7 general sentences (more while under 150 characters, at most 8 in
    /// all), then one closing sentence per planted word still waiting.
    fn body(&mut self, opening: &str, planted: Vec<&'static str>) -> String {
        self.pending.extend(planted);
        self.take = 0.3;
        let mut body = String::with_capacity(1400);
        self.expand(&mut body, opening);
        let planned = self.rng.range(4, 7);
        let mut written = 0;
        while written < planned || (written < 7 && body.chars().count() < 150) {
            if self.rng.chance(0.5) {
                let lead = *self.rng.pick(LEAD_INS);
                self.expand(&mut body, lead);
            }
            let t = *self.rng.pick(BODY_SENTENCES);
            self.expand(&mut body, t);
            written += 1;
        }
        self.take = 1.0;
        while !self.pending.is_empty() {
            let t = *self.rng.pick(CLOSING_SENTENCES);
            self.expand(&mut body, t);
        }
        body
    }

    fn expand(&mut self, out: &mut String, template: &str) {
        let mut rest = template;
        while let Some(pos) = rest.find(|c: char| c.is_ascii_uppercase()) {
            out.push_str(&rest[..pos]);
            self.slot(out, rest.as_bytes()[pos]);
            rest = &rest[pos + 1..];
        }
        out.push_str(rest);
    }

    fn planted(&mut self) -> Option<&'static str> {
        if self.pending.is_empty() || !self.rng.chance(self.take) {
            return None;
        }
        let word = self.pending.pop();
        if self.in_title {
            self.title_words.extend(word);
        }
        word
    }

    fn gov(&mut self) -> &'static str {
        let word = self.vocab.gov_word(self.rng);
        if self.in_title {
            self.title_words.push(word);
        }
        word
    }

    fn matter(&mut self) -> &'static str {
        if let Some(word) = self.planted() {
            return word;
        }
        let word = if self.rng.chance(0.5) {
            *self.rng.pick(self.agency.matters)
        } else {
            self.vocab.gov_word(self.rng)
        };
        if self.in_title {
            self.title_words.push(word);
        }
        word
    }

    fn slot(&mut self, out: &mut String, slot: u8) {
        match slot {
            b'A' => out.push_str(self.area),
            b'O' => out.push_str(self.agency.name),
            b'Q' => out.push_str(if self.rng.chance(0.4) {
                self.agency.short
            } else {
                self.agency.name
            }),
            b'G' => {
                let word = match self.planted() {
                    Some(word) => word,
                    None => self.gov(),
                };
                out.push_str(word);
            }
            b'F' => out.push_str(self.vocab.filler_word(self.rng)),
            b'W' => {
                let share = if self.in_title {
                    TITLE_FILLER_SHARE
                } else {
                    FILLER_SHARE
                };
                if let Some(word) = self.planted() {
                    out.push_str(word);
                } else if self.rng.chance(share) {
                    out.push_str(self.vocab.filler_word(self.rng));
                } else {
                    let word = self.gov();
                    out.push_str(word);
                }
            }
            b'M' => {
                let word = self.matter();
                out.push_str(word);
            }
            b'V' => {
                let verb = *self.rng.pick(VERBS);
                out.push_str(verb);
            }
            b'L' => {
                let law = *self.rng.pick(LAWS);
                out.push_str(law);
            }
            b'Y' => push_number(out, self.year),
            b'Z' => push_number(out, self.year - 1),
            b'D' => push_number(out, self.rng.range(1, 12)),
            b'E' => push_number(out, self.rng.range(1, 28)),
            b'N' => push_number(out, self.small_skewed(999)),
            b'J' => push_number(out, self.rng.range(2, 30)),
            b'K' => push_number(out, self.rng.range(1_000, 99_999)),
            b'P' => {
                let tenths = self.rng.range(850, 1000);
                let _ = write!(out, "{}.{}", tenths / 10, tenths % 10);
            }
            b'R' => {
                let hundredths = self.small_skewed(5_000_000);
                let _ = write!(out, "{}.{:02}", hundredths / 100, hundredths % 100);
            }
            b'T' => {
                let _ = write!(out, "0833-2{:06}", self.rng.below(1_000_000));
            }
            _ => {}
        }
    }

    /// A positive count skewed towards small values (log-uniform in `1..=max`).
    fn small_skewed(&mut self, max: u32) -> u32 {
        let x = (f64::from(max)).powf(self.rng.unit());
        (x as u32).clamp(1, max)
    }

    /// Two to four distinct keywords: title words first, then government words.
    fn keywords(&mut self) -> Vec<&'static str> {
        let target = self.rng.range(2, 4) as usize;
        let mut keywords: Vec<&'static str> = Vec::with_capacity(target);
        for &word in &self.title_words {
            if keywords.len() < target && !keywords.contains(&word) {
                keywords.push(word);
            }
        }
        let mut tries = 0;
        while keywords.len() < target && tries < 20 {
            let word = self.vocab.gov_word(self.rng);
            if !keywords.contains(&word) {
                keywords.push(word);
            }
            tries += 1;
        }
        keywords
    }
}

fn push_number(out: &mut String, n: impl std::fmt::Display) {
    let _ = write!(out, "{n}");
}

// ---------------------------------------------------------------------------------------------
// Dates (proleptic Gregorian, days since 1970-01-01; H. Hinnant's algorithms)
// ---------------------------------------------------------------------------------------------

fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/// Number of 4–6 character windows cut from generated documents for [`QuerySet::long`].
const WINDOW_COUNT: usize = 32;

impl QuerySet {
    fn build(documents: &[Value], rng: &mut Rng) -> Self {
        let owned = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
        let mut long = owned(LONG_QUERIES);
        let mut windows = 0;
        let mut tries = 0;
        while !documents.is_empty() && windows < WINDOW_COUNT && tries < WINDOW_COUNT * 50 {
            tries += 1;
            let doc = rng.pick(documents);
            let field = if rng.chance(0.5) { "title" } else { "body" };
            let Some(text) = doc.get(field).and_then(Value::as_str) else {
                continue;
            };
            let len = rng.range(4, 6) as usize;
            if let Some(window) = han_window(text, len, rng)
                && !long.contains(&window)
            {
                long.push(window);
                windows += 1;
            }
        }
        Self {
            one_char: owned(ONE_CHAR_QUERIES),
            two_char_heavy: owned(HEAVY_WORDS),
            two_char_rare: owned(RARE_WORDS),
            long,
            pinyin_initials: PINYIN_INITIALS
                .iter()
                .map(|(_, i)| (*i).to_owned())
                .collect(),
            traditional: TRADITIONAL.iter().map(|(t, _)| (*t).to_owned()).collect(),
        }
    }
}

/// A random run of `len` characters of `text`, if they are all Han characters.
fn han_window(text: &str, len: usize, rng: &mut Rng) -> Option<String> {
    let count = text.chars().count();
    if count < len {
        return None;
    }
    let start = rng.below(count - len + 1);
    let window: String = text.chars().skip(start).take(len).collect();
    window.chars().all(is_han).then_some(window)
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::OnceLock;

    use super::*;

    const SEED: u64 = 0x00C0_FFEE;
    const BIG: usize = 20_000;

    fn big() -> &'static Corpus {
        static CORPUS: OnceLock<Corpus> = OnceLock::new();
        CORPUS.get_or_init(|| generate(BIG, SEED))
    }

    fn text<'a>(doc: &'a Value, key: &str) -> &'a str {
        doc.get(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{key} is not a string"))
    }

    fn strings<'a>(doc: &'a Value, key: &str) -> Vec<&'a str> {
        doc.get(key)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{key} is not an array"))
            .iter()
            .map(|v| {
                v.as_str()
                    .unwrap_or_else(|| panic!("{key} holds a non-string"))
            })
            .collect()
    }

    /// Title, summary, body and keywords of every document of the big corpus.
    fn searchable() -> &'static [String] {
        static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
        TEXTS.get_or_init(|| big().documents.iter().map(searchable_text).collect())
    }

    fn searchable_text(doc: &Value) -> String {
        let mut s = String::new();
        for key in ["title", "summary", "body"] {
            s.push_str(text(doc, key));
            s.push('\n');
        }
        for keyword in strings(doc, "keywords") {
            s.push_str(keyword);
            s.push('\n');
        }
        s
    }

    fn doc_frequency(texts: &[String], word: &str) -> usize {
        texts.iter().filter(|t| t.contains(word)).count()
    }

    fn parse_date(s: &str) -> (i32, u32, u32) {
        let b = s.as_bytes();
        assert_eq!(b.len(), 10, "{s}");
        assert!(b[4] == b'-' && b[7] == b'-', "{s}");
        let num = |r: std::ops::Range<usize>| -> u32 {
            assert!(b[r.clone()].iter().all(u8::is_ascii_digit), "{s}");
            s[r].parse().unwrap_or_else(|_| panic!("{s}"))
        };
        let (year, month, day) = (num(0..4) as i32, num(5..7), num(8..10));
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => panic!("bad month in {s}"),
        };
        assert!((1..=days_in_month).contains(&day), "bad day in {s}");
        (year, month, day)
    }

    #[test]
    fn same_seed_gives_identical_output_and_other_seeds_differ() {
        let a = generate(600, 42);
        let b = generate(600, 42);
        assert_eq!(a, b);
        let c = generate(600, 43);
        assert_ne!(a.documents, c.documents);
        assert_ne!(a.queries.long, c.queries.long, "windows depend on the seed");
    }

    #[test]
    fn empty_corpus_still_has_fixed_queries() {
        let corpus = generate(0, 1);
        assert!(corpus.documents.is_empty());
        assert_eq!(corpus.queries.long.len(), LONG_QUERIES.len());
        assert!(corpus.queries.long.len() >= 40);
    }

    #[test]
    fn ids_are_unique_and_sequential() {
        let docs = &big().documents;
        let ids: HashSet<&str> = docs.iter().map(|d| text(d, "id")).collect();
        assert_eq!(ids.len(), docs.len());
        assert_eq!(text(&docs[0], "id"), "bench-0000001");
        assert_eq!(text(&docs[BIG - 1], "id"), "bench-0020000");
    }

    #[test]
    fn dates_are_valid_and_published_not_before_generated() {
        for doc in &big().documents {
            let generated = text(doc, "generated_date");
            let published = text(doc, "published_date");
            let (gy, ..) = parse_date(generated);
            let (py, ..) = parse_date(published);
            assert!(
                (2008..=2025).contains(&gy) && (2008..=2025).contains(&py),
                "{generated} {published}"
            );
            assert!(published >= generated, "{generated} > {published}");
        }
    }

    #[test]
    fn index_numbers_have_the_catalogue_shape() {
        for doc in &big().documents {
            let index_no = text(doc, "index_no");
            let b = index_no.as_bytes();
            assert_eq!(b.len(), 20, "{index_no}");
            assert!(
                b[..9]
                    .iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
                "{index_no}"
            );
            assert_eq!(b[9], b'/', "{index_no}");
            assert!(b[10..14].iter().all(u8::is_ascii_digit), "{index_no}");
            assert_eq!(b[14], b'-', "{index_no}");
            assert!(b[15..].iter().all(u8::is_ascii_digit), "{index_no}");
            assert_eq!(
                &index_no[10..14],
                &text(doc, "generated_date")[..4],
                "{index_no}"
            );
            assert_ne!(&index_no[15..], "00000", "{index_no}");
        }
    }

    #[test]
    fn index_number_serials_are_unique_per_publisher_until_they_wrap() {
        let numbers: HashSet<&str> = big()
            .documents
            .iter()
            .map(|d| text(d, "index_no"))
            .collect();
        assert_eq!(numbers.len(), BIG);
        assert_eq!(wrap_serial(0), 1);
        assert_eq!(wrap_serial(99_998), 99_999);
        assert_eq!(wrap_serial(99_999), 1);
    }

    #[test]
    fn org_codes_are_unique_and_carry_a_valid_check_character() {
        let codes = &Vocab::new().org_codes;
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), AGENCIES.len());
        for code in codes {
            let digits: Vec<u32> = code
                .chars()
                .take(8)
                .filter_map(|c| c.to_digit(10))
                .collect();
            assert_eq!(digits.len(), 8, "{code}");
            let sum: u32 = digits
                .iter()
                .zip([3, 7, 9, 10, 5, 8, 4, 2])
                .map(|(d, w)| d * w)
                .sum();
            let expected = match 11 - sum % 11 {
                10 => 'X',
                11 => '0',
                c => char::from_digit(c, 10).unwrap_or('?'),
            };
            assert_eq!(code.chars().nth(8), Some(expected), "{code}");
        }
    }

    #[test]
    fn documents_have_every_catalogue_field() {
        let codes: Vec<&str> = CATEGORIES.iter().map(|c| c.code).collect();
        let genres = [
            "命令", "决定", "公告", "通告", "通知", "通报", "意见", "函", "办法", "规划", "方案",
            "指南", "报告", "其他",
        ];
        let level3 = [
            "概况信息",
            "政府文件",
            "动态信息",
            "突发公共事件",
            "财政信息",
            "重大项目",
            "行政权力",
            "便民服务",
        ];
        let ids: HashSet<&str> = big().documents.iter().map(|d| text(d, "id")).collect();
        for doc in &big().documents {
            assert_eq!(text(doc, "kind"), "catalogue_entry");
            assert!(codes.contains(&text(doc, "category")));
            assert!(
                genres.contains(&text(doc, "genre")),
                "{}",
                text(doc, "genre")
            );
            let sichuan = strings(doc, "topic_sichuan");
            assert_eq!(sichuan.len(), 2);
            assert!(level3.contains(&sichuan[0]), "{}", sichuan[0]);
            assert_eq!(strings(doc, "topic_gov_cn").len(), 2);
            assert!(!strings(doc, "audience").is_empty());
            let keywords = strings(doc, "keywords");
            assert!((2..=4).contains(&keywords.len()), "{keywords:?}");
            assert!(doc["publisher"]["id"].is_string() && doc["publisher"]["name"].is_string());
            assert!(doc["doc_number"].is_null() || text(doc, "doc_number").contains('〔'));
            assert_eq!(text(doc, "time_limit"), "长期公开");
            assert_eq!(text(doc, "language"), "zh-Hans");
            assert!(["有效", "失效", "废止"].contains(&text(doc, "validity")));
            assert!(
                strings(doc, "attachments").is_empty() && strings(doc, "legal_basis").is_empty()
            );
            assert_eq!(
                doc["provenance"],
                json!({ "metadata_status": "illustrative" })
            );
            let mode = text(doc, "disclosure_mode");
            assert!(["主动公开", "依申请公开", "不予公开"].contains(&mode));
            assert_eq!(
                doc.get("disclosure_mode_reason").is_some(),
                mode != "主动公开"
            );
            let id = text(doc, "id");
            for related in strings(doc, "related_ids") {
                assert!(ids.contains(related) && related < id, "{id} -> {related}");
            }
        }
    }

    #[test]
    fn proportions_follow_the_design() {
        let docs = &big().documents;
        let share = |pred: &dyn Fn(&Value) -> bool| {
            docs.iter().filter(|d| pred(d)).count() as f64 / BIG as f64
        };
        let active = share(&|d| text(d, "disclosure_mode") == "主动公开");
        assert!((0.89..0.95).contains(&active), "{active}");
        let no_number = share(&|d| d["doc_number"].is_null());
        assert!((0.45..0.55).contains(&no_number), "{no_number}");
        let xxgk = share(&|d| text(d, "category") == "XXGK");
        let ndbg = share(&|d| text(d, "category") == "NDBG");
        assert!(xxgk > 3.0 * ndbg && ndbg > 0.0, "{xxgk} {ndbg}");
    }

    #[test]
    fn heavy_words_land_in_three_to_twenty_percent_of_documents() {
        for word in &big().queries.two_char_heavy {
            let share = doc_frequency(searchable(), word) as f64 / BIG as f64;
            assert!((0.03..=0.20).contains(&share), "{word}: {share}");
        }
    }

    #[test]
    fn rare_words_are_rare_but_present() {
        for word in &big().queries.two_char_rare {
            let count = doc_frequency(searchable(), word);
            assert!((1..BIG / 100).contains(&count), "{word}: {count}");
        }
        let small = generate(5_000, 99);
        let texts: Vec<String> = small.documents.iter().map(searchable_text).collect();
        for word in RARE_WORDS {
            assert!(
                doc_frequency(&texts, word) >= 1,
                "{word} missing at n = 5000"
            );
        }
    }

    #[test]
    fn traditional_queries_map_to_words_in_the_corpus() {
        let to_simplified = [
            ("醫保", "医保"),
            ("社會保險", "社会保险"),
            ("營業執照", "营业执照"),
            ("公開", "公开"),
            ("稅務", "税务"),
            ("審批", "审批"),
            ("價格", "价格"),
            ("職業", "职业"),
            ("養老保險", "养老保险"),
            ("醫療保障", "医疗保障"),
            ("補貼", "补贴"),
            ("戶籍", "户籍"),
            ("農業農村", "农业农村"),
            ("財政預算", "财政预算"),
            ("政府採購", "政府采购"),
            ("不動產", "不动产"),
            ("公積金", "公积金"),
            ("辦事指南", "办事指南"),
            ("環境保護", "环境保护"),
            ("衛生健康", "卫生健康"),
            ("鄉村振興", "乡村振兴"),
            ("行政許可", "行政许可"),
            ("專項資金", "专项资金"),
            ("勞動合同", "劳动合同"),
            ("營商環境", "营商环境"),
        ];
        let traditional = &big().queries.traditional;
        assert!(traditional.len() >= 20);
        for query in traditional {
            let simplified = to_simplified
                .iter()
                .find(|(t, _)| t == query)
                .map(|(_, s)| *s)
                .unwrap_or_else(|| panic!("{query} missing from the test map"));
            assert_ne!(query, simplified);
            assert!(
                doc_frequency(searchable(), query) == 0,
                "{query} is Traditional text in the corpus"
            );
            assert!(
                doc_frequency(searchable(), simplified) > 0,
                "{simplified} never occurs"
            );
        }
    }

    #[test]
    fn pinyin_initials_belong_to_title_words() {
        let titles: Vec<String> = big()
            .documents
            .iter()
            .map(|d| text(d, "title").to_owned())
            .collect();
        assert!(big().queries.pinyin_initials.len() >= 20);
        for (word, initials) in PINYIN_INITIALS {
            assert_eq!(word.chars().count(), initials.len(), "{word}");
            assert!(
                initials.bytes().all(|b| b.is_ascii_lowercase()),
                "{initials}"
            );
            assert!(
                doc_frequency(&titles, word) > 0,
                "{word} never occurs in a title"
            );
        }
    }

    #[test]
    fn query_classes_have_the_promised_shape() {
        let q = &big().queries;
        let han_len = |s: &str| s.chars().all(is_han).then(|| s.chars().count());
        assert!(q.one_char.len() >= 30 && q.one_char.iter().all(|s| han_len(s) == Some(1)));
        assert!(
            q.two_char_heavy.len() >= 20 && q.two_char_heavy.iter().all(|s| han_len(s) == Some(2))
        );
        assert!(
            q.two_char_rare.len() >= 40 && q.two_char_rare.iter().all(|s| han_len(s) == Some(2))
        );
        assert!(q.long.len() >= 40 && q.long.iter().all(|s| han_len(s).is_some_and(|n| n >= 4)));
        assert_eq!(q.long.len(), LONG_QUERIES.len() + WINDOW_COUNT);
        assert_eq!(q.long.iter().collect::<HashSet<_>>().len(), q.long.len());
        for window in &q.long[LONG_QUERIES.len()..] {
            assert!((4..=6).contains(&window.chars().count()), "{window}");
            assert!(doc_frequency(searchable(), window) > 0, "{window}");
        }
        let one: HashSet<usize> = q
            .one_char
            .iter()
            .map(|c| doc_frequency(searchable(), c))
            .collect();
        assert!(one.iter().any(|&n| n > BIG * 9 / 10) && one.iter().any(|&n| n < BIG / 100));
    }

    #[test]
    fn titles_and_bodies_have_realistic_lengths() {
        let docs = &big().documents;
        let average = |key: &str| {
            docs.iter()
                .map(|d| text(d, key).chars().count())
                .sum::<usize>() as f64
                / docs.len() as f64
        };
        let (title, summary, body) = (average("title"), average("summary"), average("body"));
        assert!((12.0..=30.0).contains(&title), "title {title}");
        assert!((40.0..=100.0).contains(&summary), "summary {summary}");
        assert!((150.0..=450.0).contains(&body), "body {body}");
        for doc in docs {
            let summary = text(doc, "summary").chars().count();
            assert!((40..=100).contains(&summary), "{summary}");
            assert!(text(doc, "body").contains('。') && text(doc, "body").contains('，'));
        }
    }

    #[test]
    fn no_template_or_vocabulary_entry_contains_a_planted_word() {
        let mut fixed: Vec<&str> = Vec::new();
        fixed.extend(GOV_WORDS);
        fixed.extend(AREAS);
        fixed.extend(VERBS);
        fixed.extend(LAWS);
        fixed.extend(BODY_SENTENCES);
        fixed.extend(LEAD_INS);
        fixed.extend(CLOSING_SENTENCES);
        fixed.extend(SUMMARY_SENTENCES);
        for agency in AGENCIES {
            fixed.extend([agency.name, agency.short, agency.doc_prefix]);
            fixed.extend(agency.matters);
        }
        for category in CATEGORIES {
            fixed.extend(category.titles.iter().map(|(t, _)| *t));
            fixed.extend(category.openings);
        }
        for entry in fixed {
            for word in HEAVY_WORDS.iter().chain(RARE_WORDS) {
                assert!(!entry.contains(word), "{entry:?} contains {word}");
            }
        }
        let filler: HashSet<char> = FILLER_CHARS.chars().collect();
        assert_eq!(filler.len(), 1_500);
        assert!(
            RARE_WORDS
                .iter()
                .flat_map(|w| w.chars())
                .all(|c| !filler.contains(&c))
        );
    }

    #[test]
    fn filler_words_are_distinct_two_character_words() {
        let vocab = Vocab::new();
        assert_eq!(vocab.filler.len(), FILLER_WORD_COUNT);
        assert_eq!(
            vocab.filler.iter().collect::<HashSet<_>>().len(),
            FILLER_WORD_COUNT
        );
        assert!(vocab.filler.iter().all(|w| w.chars().count() == 2));
        assert!(GOV_WORDS.len() >= 300);
    }

    #[test]
    fn samplers_stay_in_range_and_skew_towards_low_ranks() {
        let mut rng = Rng::new(7);
        let zipf = Zipf::new(100, 1.0, 1.0);
        let mut counts = [0usize; 100];
        for _ in 0..20_000 {
            counts[zipf.sample(&mut rng)] += 1;
            assert!(rng.below(3) < 3);
            let r = rng.range(4, 6);
            assert!((4..=6).contains(&r));
        }
        assert!(counts[0] > 5 * counts[50]);
        assert_eq!(Zipf::new(0, 1.0, 1.0).sample(&mut rng), 0);
    }

    #[test]
    fn civil_date_conversion_round_trips() {
        for days in days_from_civil(2007, 12, 1)..=days_from_civil(2026, 2, 1) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            parse_date(&format_date(days));
        }
        assert_eq!(format_date(days_from_civil(2024, 2, 29)), "2024-02-29");
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
