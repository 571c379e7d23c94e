/*
 * event_taxonomy.c - the default taxonomy (see event_taxonomy.h). Limits are
 * what a Guangzhou town's grid centre typically sets: accept within 2 hours,
 * emergencies handled within hours, disputes within days, and a day to
 * verify.
 */
#include <string.h>
#include "domain/event_taxonomy.h"
#include "lib/banned.h"

#define H 60
#define D (24 * 60)

const struct taxon event_taxonomy[] = {
	{"mdjf", "矛盾纠纷", 2 * H, 3 * D, D, 0},
	{"mdjf.lljf", "邻里纠纷", 2 * H, 3 * D, D, 60},
	{"mdjf.hyjt", "婚姻家庭纠纷", 2 * H, 3 * D, D, 20},
	{"mdjf.ldbz", "劳资纠纷", 2 * H, 5 * D, D, 35},
	{"mdjf.wyjf", "物业纠纷", 2 * H, 5 * D, D, 30},
	{"mdjf.tdjf", "土地山林纠纷", 2 * H, 7 * D, D, 8},
	{"mdjf.xfjf", "消费纠纷", 2 * H, 3 * D, D, 12},
	{"mdjf.qt", "其他纠纷", 2 * H, 3 * D, D, 10},
	{"csgl", "城市管理", 2 * H, 2 * D, D, 0},
	{"csgl.srhj", "市容环境", 2 * H, 2 * D, D, 190},
	{"csgl.xcgg", "宣传广告", 2 * H, 2 * D, D, 55},
	{"csgl.sggl", "施工管理", 2 * H, 3 * D, D, 45},
	{"csgl.jmzx", "街面秩序", 2 * H, 1 * D, D, 120},
	{"csgl.tfsj", "突发事件", 30, 4 * H, 2 * H, 6},
	{"aqyh", "安全隐患", 2 * H, 1 * D, D, 0},
	{"aqyh.fwaq", "房屋建筑安全", 2 * H, 2 * D, D, 25},
	{"aqyh.rqaq", "燃气安全", H, 12 * H, 12 * H, 15},
	{"aqyh.dzzh", "地质灾害隐患", H, 1 * D, D, 5},
	{"aqyh.jtaq", "道路交通安全", 2 * H, 2 * D, D, 20},
	{"xf", "消防", H, 1 * D, D, 0},
	{"xf.xfyh", "消防隐患", H, 1 * D, D, 45},
	{"xf.tdds", "消防通道堵塞", H, 12 * H, 12 * H, 40},
	{"xf.ddcd", "电动车违规充电", H, 1 * D, D, 50},
	{"za", "治安", 2 * H, 1 * D, D, 0},
	{"za.zayh", "治安隐患", 2 * H, 1 * D, D, 30},
	{"za.ldrk", "流动人口与出租屋", 2 * H, 3 * D, D, 40},
	{"za.sgsd", "涉黄涉赌线索", H, 1 * D, D, 8},
	{"msfw", "民生服务", 2 * H, 5 * D, D, 0},
	{"msfw.ssgz", "公共设施损坏", 2 * H, 3 * D, D, 70},
	{"msfw.gsgd", "供水供电", 2 * H, 1 * D, D, 25},
	{"msfw.tskn", "特殊困难群体帮扶", 2 * H, 5 * D, D, 15},
	{"msfw.zczx", "政策咨询", 2 * H, 3 * D, D, 20},
	{"qt", "其他", 2 * H, 3 * D, D, 0},
	{"qt.qt", "其他事项", 2 * H, 3 * D, D, 17},
};
const int event_taxonomy_n = sizeof(event_taxonomy) / sizeof(event_taxonomy[0]);

static int word_ok(const char *s, size_t n)
{
	if (n < 1 || n > 8)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

int event_category_code_ok(const char *code)
{
	const char *dot;

	if (!code)
		return 0;
	dot = strchr(code, '.');
	if (!dot)
		return word_ok(code, strlen(code));
	return word_ok(code, (size_t)(dot - code)) && word_ok(dot + 1, strlen(dot + 1));
}
