/*
 * demo_events.c - rhythm, seasons, departments and texts of the demo's
 * event history (see demo_events.h). The numbers are shaped after what a
 * Guangzhou district's grid centre sees: patrols in working hours with
 * peaks mid-morning and mid-afternoon, residents into the evening, quiet
 * nights and Sundays, a deep dip over 春节 when migrant workers go home,
 * more safety hazards and emergencies in the June–September typhoon and
 * rain season, wage disputes before the New Year.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "domain/demo_events.h"
#include "lib/str.h"
#include "lib/banned.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const demo_sources[DEMO_NSOURCES] = {"patrol", "resident", "wechat", "hotline",
                                                 "assigned"};
const double demo_source_share[DEMO_NSOURCES] = {0.55, 0.30, 0.08, 0.05, 0.02};

/* ============================================================== rhythm */

static const double hours[DEMO_NSOURCES][24] = {
	/* patrol: working hours, lunch break */
	{0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.30, 1.20, 2.20, 2.40, 1.80,
	 0.60, 0.50, 1.40, 2.10, 2.20, 1.60, 0.60, 0.20, 0.15, 0.10, 0.05, 0.03},
	/* resident: all day, into the evening */
	{0.25, 0.12, 0.07, 0.05, 0.06, 0.15, 0.40, 0.90, 1.40, 1.70, 1.70, 1.50,
	 1.20, 1.10, 1.30, 1.40, 1.40, 1.30, 1.20, 1.40, 1.50, 1.30, 0.90, 0.50},
	/* wechat group tips */
	{0.10, 0.05, 0.03, 0.03, 0.03, 0.08, 0.30, 0.80, 1.50, 1.90, 1.90, 1.60,
	 1.00, 1.00, 1.50, 1.70, 1.60, 1.30, 1.00, 1.00, 0.90, 0.70, 0.40, 0.20},
	/* 12345 work orders, forwarded round the clock */
	{0.20, 0.10, 0.06, 0.05, 0.05, 0.10, 0.30, 0.80, 1.60, 2.00, 2.00, 1.70,
	 1.10, 1.20, 1.70, 1.80, 1.70, 1.40, 1.00, 0.90, 0.80, 0.60, 0.40, 0.30},
	/* assigned by leaders: office hours */
	{0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.10, 1.50, 2.50, 2.50, 1.50,
	 0.30, 0.30, 2.00, 2.50, 2.50, 1.50, 0.30, 0.10, 0.00, 0.00, 0.00, 0.00},
};

static const double weekdays[DEMO_NSOURCES][7] = {
	/* Sun   Mon   Tue   Wed   Thu   Fri   Sat */
	{0.45, 1.10, 1.10, 1.08, 1.08, 1.05, 0.65},   /* patrol */
	{1.00, 1.05, 1.00, 1.00, 1.00, 1.00, 1.05},   /* resident */
	{0.80, 1.05, 1.05, 1.05, 1.05, 1.00, 0.85},   /* wechat */
	{0.80, 1.10, 1.05, 1.05, 1.05, 1.00, 0.85},   /* hotline */
	{0.05, 1.30, 1.30, 1.25, 1.25, 1.20, 0.10},   /* assigned */
};

double demo_hour_weight(int s, int hour)
{
	return s >= 0 && s < DEMO_NSOURCES && hour >= 0 && hour < 24 ? hours[s][hour] : 0;
}

double demo_weekday_weight(int s, int wday)
{
	return s >= 0 && s < DEMO_NSOURCES && wday >= 0 && wday < 7 ? weekdays[s][wday] : 0;
}

/* ============================================================ calendar */

/* Howard Hinnant's civil_from_days. */
void demo_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int demo_weekday(int64_t days)
{
	int64_t w = (days + 4) % 7;      /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

/* 春节 (first day of the lunar year). */
static const struct { int y, m, d; } spring_festival[] = {
	{2023, 1, 22}, {2024, 2, 10}, {2025, 1, 29}, {2026, 2, 17}, {2027, 2, 6},
	{2028, 1, 26}, {2029, 2, 13}, {2030, 2, 3}, {2031, 1, 23}, {2032, 2, 11},
};

double demo_day_factor(int64_t days)
{
	int y, m, d;
	double f;
	int64_t jan1;

	demo_civil_from_days(days, &y, &m, &d);
	jan1 = demo_days_from_civil(y, 1, 1);
	/* season: busiest late July, quietest late January */
	f = 1.0 + 0.12 * cos(2 * M_PI * ((double)(days - jan1) - 205.0) / 365.25);
	for (size_t i = 0; i < N(spring_festival); i++) {
		int64_t k = days - demo_days_from_civil(spring_festival[i].y, spring_festival[i].m,
		                                        spring_festival[i].d);
		if (k >= -1 && k <= 6)
			f *= 0.38;               /* the holiday: the city empties */
		else if ((k >= -10 && k <= -2) || (k >= 7 && k <= 15))
			f *= 0.72;               /* leaving and coming back */
	}
	if (m == 10 && d <= 7)
		f *= 0.72;                   /* Golden Week */
	else if (m == 5 && d <= 5)
		f *= 0.85;                   /* May Day */
	return f;
}

/* ========================================================== categories */

double demo_category_factor(const char *code, int month, int storm)
{
	int summer = month >= 6 && month <= 9, winter = month >= 11 || month <= 2;
	double f = 1.0;

	if (!strncmp(code, "aqyh.", 5) || !strcmp(code, "csgl.tfsj"))
		f *= summer ? 1.6 : 0.8;
	if (!strncmp(code, "xf.", 3))
		f *= winter ? 1.25 : summer ? 0.9 : 1.0;
	if (!strcmp(code, "mdjf.ldbz"))
		f *= month == 12 ? 1.8 : month == 1 ? 2.2 : month == 2 ? 1.3 : 1.0;
	if (!strcmp(code, "csgl.srhj"))
		f *= summer ? 1.15 : 1.0;
	if (!strcmp(code, "msfw.gsgd"))
		f *= summer ? 1.3 : 1.0;
	if (storm) {
		if (!strcmp(code, "csgl.tfsj"))
			f *= 6.0;
		else if (!strcmp(code, "aqyh.dzzh"))
			f *= 4.0;
		else if (!strcmp(code, "aqyh.fwaq") || !strcmp(code, "msfw.gsgd") ||
		         !strcmp(code, "aqyh.jtaq"))
			f *= 2.5;
		else if (!strcmp(code, "msfw.ssgz"))
			f *= 1.8;
	}
	return f;
}

int demo_category_chronic(const char *code)
{
	static const char *const chronic[] = {"za.ldrk", "xf.ddcd", "xf.tdds", "csgl.srhj",
	                                      "csgl.jmzx"};

	for (size_t i = 0; i < N(chronic); i++)
		if (!strcmp(code, chronic[i]))
			return 1;
	return 0;
}

int demo_category_urgency(struct demo_rng *r, const char *code)
{
	double u = demo_rng_double(r);

	if (!strcmp(code, "csgl.tfsj"))
		return u < 0.2 ? 3 : u < 0.7 ? 2 : 1;
	if (!strcmp(code, "aqyh.rqaq") || !strcmp(code, "aqyh.dzzh") || !strcmp(code, "xf.xfyh"))
		return u < 0.05 ? 3 : u < 0.3 ? 2 : 1;
	return u < 0.005 ? 3 : u < 0.05 ? 2 : 1;
}

/* Departments per category: suffix and weight; "" = the town's office. */
static const struct {
	const char *code;
	const char *dept[3];
	int w[3];
} dept_map[] = {
	{"mdjf.xfjf", {"sj", ""}, {80, 20}},
	{"mdjf.ldbz", {"", "ga"}, {85, 15}},
	{"mdjf.", {"", "ga"}, {75, 25}},
	{"csgl.srhj", {"cg", "wj"}, {80, 20}},
	{"csgl.sggl", {"zj", "cg"}, {60, 40}},
	{"csgl.jmzx", {"cg", "ga"}, {85, 15}},
	{"csgl.tfsj", {"yj", "sw", "cg"}, {60, 25, 15}},
	{"csgl.", {"cg"}, {100}},
	{"aqyh.fwaq", {"zj"}, {100}},
	{"aqyh.rqaq", {"zj", "yj"}, {60, 40}},
	{"aqyh.dzzh", {"yj", "zj"}, {70, 30}},
	{"aqyh.jtaq", {"ga", "cg"}, {70, 30}},
	{"xf.", {"yj", ""}, {80, 20}},
	{"za.ldrk", {"ga", ""}, {55, 45}},
	{"za.", {"ga"}, {100}},
	{"msfw.ssgz", {"cg", ""}, {70, 30}},
	{"msfw.gsgd", {"sw"}, {100}},
	{"msfw.tskn", {"", "wj"}, {70, 30}},
	{"msfw.", {""}, {100}},
};

const char *demo_category_dept(struct demo_rng *r, const char *code)
{
	for (size_t i = 0; i < N(dept_map); i++) {
		size_t n = strlen(dept_map[i].code);
		int total = 0, pick;

		if (dept_map[i].code[n - 1] == '.' ? strncmp(code, dept_map[i].code, n) != 0
		                                   : strcmp(code, dept_map[i].code) != 0)
			continue;
		for (int k = 0; k < 3; k++)
			total += dept_map[i].w[k];
		pick = demo_rng_range(r, 0, total - 1);
		for (int k = 0; k < 3; k++) {
			if (pick < dept_map[i].w[k])
				return *dept_map[i].dept[k] ? dept_map[i].dept[k] : NULL;
			pick -= dept_map[i].w[k];
		}
	}
	return NULL;
}

/* =============================================================== texts */

static const struct {
	const char *code;
	const char *titles[6];
} title_map[] = {
	{"mdjf.lljf", {"楼上漏水引发邻里纠纷", "邻居噪音扰民引发矛盾", "公共走廊堆物引发邻里争执",
	               "饲养宠物扰民引发纠纷", "排水管道堵塞责任纠纷"}},
	{"mdjf.hyjt", {"夫妻矛盾激化需调解", "赡养老人问题引发家庭纠纷", "家庭财产分割纠纷"}},
	{"mdjf.ldbz", {"工地拖欠务工人员工资", "小作坊拖欠员工工资", "员工离职经济补偿纠纷",
	               "制衣厂停工工资未结清"}},
	{"mdjf.wyjf", {"小区物业管理费纠纷", "电梯故障物业未及时维修", "小区停车收费纠纷",
	               "物业清洁不到位引发投诉"}},
	{"mdjf.tdjf", {"宅基地边界纠纷", "村集体土地承包纠纷", "自留地种植范围纠纷"}},
	{"mdjf.xfjf", {"商铺预付卡退费纠纷", "维修服务收费纠纷", "健身房停业退费纠纷"}},
	{"mdjf.qt", {"房屋租赁押金纠纷", "装修工程款纠纷", "车辆刮擦赔偿纠纷"}},
	{"csgl.srhj", {"生活垃圾堆放未及时清运", "绿化带内积存垃圾", "建筑垃圾乱倒",
	               "路面油污未清理", "垃圾桶满溢", "沿街商铺门前卫生差"}},
	{"csgl.xcgg", {"乱张贴小广告", "违规设置户外广告牌", "破损横幅未拆除", "墙面乱涂写"}},
	{"csgl.sggl", {"工地夜间施工噪音扰民", "施工围蔽破损", "泥头车带泥上路", "工地扬尘未覆盖"}},
	{"csgl.jmzx", {"占道经营", "流动摊贩占道", "店外乱摆卖", "共享单车乱停放",
	               "机动车违停占用人行道", "夜宵档占道经营"}},
	{"csgl.tfsj", {"暴雨致路段水浸", "大树倒伏阻塞道路", "广告牌被风刮落", "围墙局部倒塌"}},
	{"aqyh.fwaq", {"老旧房屋墙体开裂", "出租屋违规加建", "外墙瓷砖脱落隐患", "危房仍有人居住"}},
	{"aqyh.rqaq", {"餐饮店违规使用瓶装液化气", "燃气管道疑似泄漏", "居民楼内存放多个液化气罐"}},
	{"aqyh.dzzh", {"山体边坡有滑坡迹象", "挡土墙开裂变形", "边坡排水沟堵塞"}},
	{"aqyh.jtaq", {"路口交通信号灯故障", "道路井盖缺失", "路面塌陷坑洼", "学校门口缺少减速带"}},
	{"xf.xfyh", {"出租屋消防器材缺失", "三小场所违规住人", "仓库违规存放易燃物",
	             "灭火器过期未更换"}},
	{"xf.tdds", {"消防通道被车辆堵塞", "楼道堆放杂物堵塞疏散通道", "消防车通道被铁栏封闭"}},
	{"xf.ddcd", {"电动自行车楼道充电", "私拉电线为电动车充电", "电动车停放在楼梯间",
	             "出租屋内为电池充电"}},
	{"za.zayh", {"夜间聚集喧哗", "小区门禁损坏", "可疑人员在出租屋附近徘徊", "视频监控损坏"}},
	{"za.ldrk", {"出租屋人员未登记", "群租房人员信息未申报", "出租屋隔断群租",
	             "新入住人员未办理居住登记"}},
	{"za.sgsd", {"疑似棋牌室聚赌", "出租屋疑似涉黄场所"}},
	{"msfw.ssgz", {"路灯不亮", "公共座椅损坏", "人行道砖松动", "健身器材损坏", "下水道井盖破损"}},
	{"msfw.gsgd", {"片区停水", "供水管爆裂", "线路老化频繁跳闸", "水压不足"}},
	{"msfw.tskn", {"独居老人需上门探访", "困难家庭申请临时救助", "残疾人生活困难求助"}},
	{"msfw.zczx", {"咨询社保办理流程", "咨询入学积分政策", "咨询居住证办理", "咨询长者饭堂"}},
	{"qt.qt", {"其他需协调事项", "流浪犬只出没", "树木遮挡居民采光", "鸟类筑巢影响居民"}},
};

static const char *pick(struct demo_rng *r, const char *const *list, size_t max)
{
	size_t n = 0;

	while (n < max && list[n])
		n++;
	return n ? list[demo_rng_range(r, 0, (int)n - 1)] : "";
}

const char *demo_event_title(struct demo_rng *r, const char *code)
{
	for (size_t i = 0; i < N(title_map); i++)
		if (!strcmp(code, title_map[i].code))
			return pick(r, title_map[i].titles, 6);
	return "待处理事项";
}

static const struct {
	const char *prefix;
	const char *results[4];
} result_map[] = {
	{"mdjf.ldbz", {"已协调企业与务工人员协商，拖欠工资已结清。", "已联合劳动监察约谈企业，双方达成支付协议。"}},
	{"mdjf.", {"已组织双方调解，达成一致意见。", "经人民调解员调解，双方签订调解协议。",
	           "已上门做双方思想工作，矛盾已化解。"}},
	{"csgl.tfsj", {"已组织力量现场抢险，道路恢复通行。", "已设置警戒并清理完毕，未造成人员伤亡。"}},
	{"csgl.", {"已清理完毕，现场恢复整洁。", "已责令整改，现场已规范。", "已联系执法队处理完毕。"}},
	{"aqyh.", {"已设置警示并完成整改，隐患消除。", "已通知业主整改，复查合格。",
	           "已联系专业单位维修加固。"}},
	{"xf.", {"已清理杂物，消防通道恢复畅通。", "已责令整改并开展消防安全宣传。",
	         "已督促业主配齐消防器材。"}},
	{"za.", {"已完成人员信息登记。", "已联合派出所开展检查处置。", "已加强巡查并修复设施。"}},
	{"msfw.", {"已联系相关单位维修完成。", "已上门了解情况并落实帮扶。", "已现场答复咨询。"}},
	{"", {"已协调相关单位处理完毕。", "已现场处置完毕。"}},
};

const char *demo_event_result(struct demo_rng *r, const char *code)
{
	for (size_t i = 0; i < N(result_map); i++) {
		size_t n = strlen(result_map[i].prefix);
		if (result_map[i].prefix[n ? n - 1 : 0] == '.' || n == 0
		    ? strncmp(code, result_map[i].prefix, n) == 0
		    : strcmp(code, result_map[i].prefix) == 0)
			return pick(r, result_map[i].results, 4);
	}
	return "已处置完毕。";
}

/* A community's stem: 三元里社区 -> 三元里, 龙塘村 -> 龙塘. */
static void stem_of(const char *name, char *out, size_t n)
{
	size_t len = str_copy(out, n, name);

	if (len > strlen("社区") && !strcmp(out + len - strlen("社区"), "社区"))
		out[len - strlen("社区")] = '\0';
	else if (len > strlen("村") && !strcmp(out + len - strlen("村"), "村"))
		out[len - strlen("村")] = '\0';
}

void demo_event_address(struct demo_rng *r, const char *community, int village,
                        const char *special_name, char *out, size_t n)
{
	static const char *const roads[] = {"路", "街", "大道", "东路", "西路", "北街", "南街", "横路"};
	static const char *const lanes[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};
	static const char *const sides[] = {"东", "西", "南", "北", "新", "中"};
	static const char *const near[] = {"门口", "周边", "东侧", "停车场", "后门"};
	char stem[64], place[128];

	if (special_name && *special_name) {
		size_t len = str_copy(place, sizeof(place), special_name);
		const char *suffix = "专属网格";
		if (len > strlen(suffix) && !strcmp(place + len - strlen(suffix), suffix))
			place[len - strlen(suffix)] = '\0';
		snprintf(out, n, "%s%s", place, near[demo_rng_range(r, 0, (int)N(near) - 1)]);
		return;
	}
	stem_of(community, stem, sizeof(stem));
	if (village)
		snprintf(out, n, "%s村%s%s巷%d号", stem, sides[demo_rng_range(r, 0, (int)N(sides) - 1)],
		         lanes[demo_rng_range(r, 0, (int)N(lanes) - 1)], demo_rng_range(r, 1, 48));
	else
		snprintf(out, n, "%s%s%d号", stem, roads[demo_rng_range(r, 0, (int)N(roads) - 1)],
		         demo_rng_range(r, 1, 260));
}

void demo_event_description(const char *source, const char *address, const char *title,
                            char *out, size_t n)
{
	if (!strcmp(source, "resident"))
		snprintf(out, n, "%s%s，影响居民生活，希望尽快处理。", address, title);
	else if (!strcmp(source, "wechat"))
		snprintf(out, n, "网格群居民反映：%s%s，已到现场核实。", address, title);
	else if (!strcmp(source, "hotline"))
		snprintf(out, n, "市民来电反映：%s%s，请核实处理并回复来电人。", address, title);
	else if (!strcmp(source, "assigned"))
		snprintf(out, n, "领导交办：%s%s，请抓紧办理并反馈结果。", address, title);
	else
		snprintf(out, n, "网格员巡查发现：%s%s，已拍照取证。", address, title);
}

const char *demo_reject_reason(struct demo_rng *r)
{
	static const char *const why[] = {
		"经核实为重复上报，已并入原事件办理。",
		"不属于网格事件受理范围，已告知通过其他渠道反映。",
		"现场核实无此情况。",
		"信息不全，多次联系上报人未果，无法核实。",
	};
	return why[demo_rng_range(r, 0, (int)N(why) - 1)];
}

const char *demo_escalate_reason(struct demo_rng *r, int to_district)
{
	static const char *const town[] = {
		"超出社区处置权限，需职能部门处理。",
		"涉及执法事项，社区无法处置，提请镇街协调。",
		"多次劝导无效，需执法部门介入。",
	};
	static const char *const district[] = {
		"涉及跨镇街协调，提请区级统筹。",
		"需多个区直部门联合处置，提请区指挥中心协调。",
	};
	return to_district ? district[demo_rng_range(r, 0, (int)N(district) - 1)]
	                   : town[demo_rng_range(r, 0, (int)N(town) - 1)];
}

const char *demo_rework_reason(struct demo_rng *r)
{
	static const char *const why[] = {"现场复核仍未处理到位，请返工。", "整改不彻底，问题反复出现。",
	                                  "处置结果与现场情况不符。"};
	return why[demo_rng_range(r, 0, (int)N(why) - 1)];
}

const char *demo_extend_reason(struct demo_rng *r)
{
	static const char *const why[] = {"需协调多方共同处置，申请延期。", "等待专业单位排期施工，申请延期。",
	                                  "当事人暂时联系不上，申请延期。"};
	return why[demo_rng_range(r, 0, (int)N(why) - 1)];
}

const char *demo_rating_note(struct demo_rng *r, int rating)
{
	static const char *const good[] = {"", "", "", "处理很及时，感谢网格员！", "服务态度好。"};
	static const char *const ok[] = {"", "", "处理还算及时。", "希望以后加强巡查。"};
	static const char *const bad[] = {"问题没有彻底解决。", "处理太慢。", "问题反复出现，处理不彻底。"};

	if (rating == 1)
		return good[demo_rng_range(r, 0, (int)N(good) - 1)];
	if (rating == 2)
		return ok[demo_rng_range(r, 0, (int)N(ok) - 1)];
	return bad[demo_rng_range(r, 0, (int)N(bad) - 1)];
}
