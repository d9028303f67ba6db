using System.Globalization;
using CommunityModel.Groups;
using CommunityModel.Primitives;
using NodaTime;
using Xunit.Abstractions;

namespace CommunityModel.Tests.Groups;

/// <summary>
/// The default content rules on a labelled corpus: ads written the way Chinese chat writes them (contact words and
/// ids, phone numbers in every width and in Chinese numerals, separators inserted to dodge filters, links without a
/// scheme), and the ordinary lines of a mother-and-baby store's group (questions, thanks, order talk, prices, dates,
/// quantities, measurements). Recall on the ads at least 95%, false positives at most 1%; the figures are printed.
/// </summary>
public class AdCorpusTests(ITestOutputHelper output)
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 6, 1, 2, 0);

    internal static List<string> Ads()
    {
        var ads = new List<string>();
        string[] words = ["微信", "威信", "薇信", "V信", "v信", "vx", "VX", "ＶＸ", "wx", "WX", "ｗｘ", "扣扣", "QQ", "企鹅"];
        string[] between = ["", ":", "：", " ", "号", "号:", " : ", "号是"];
        string[] ids = ["abc12345", "mama2026", "Baby888888", "13579qq", "wxshop01", "ymq_520", "lucky-77", "xiaoli999"];
        string[] before = ["", "加我", "有需要", "私聊", "代购奶粉请加", "想要的宝妈加", "低价出，", "需要的联系"];
        for (var i = 0; i < 220; i++)
        {
            ads.Add($"{before[i % before.Length]}{words[i % words.Length]}{between[i / 3 % between.Length]}{ids[i / 7 % ids.Length]}");
        }

        // Separators inserted to dodge filters.
        foreach (var sep in new[] { " ", "*", ".", "-", "_", "|", "·", "、", "~", "\u200B" })
        {
            ads.Add($"加{sep}微{sep}信");
            ads.Add($"加{sep}我{sep}微{sep}信 看朋友圈");
            ads.Add($"v{sep}x：shop{sep}8888");
            ads.Add($"Q{sep}Q 1{sep}2{sep}3{sep}4{sep}5{sep}6{sep}7");
        }

        // Phone numbers: plain, spaced, dashed, dotted, full-width, Chinese numerals, mixed.
        string[] phones = ["13812345678", "15900001111", "18688886666", "17712340000", "13500135000", "19912345678", "14755556666", "16600001234", "13012345678", "18212345678"];
        foreach (var p in phones)
        {
            ads.Add($"电话{p}");
            ads.Add($"call {p[..3]} {p[3..7]} {p[7..]}");
            ads.Add($"联系 {p[..3]}-{p[3..7]}-{p[7..]}");
            ads.Add($"手机:{p[..3]}.{p[3..7]}.{p[7..]}");
            ads.Add("打我电话" + string.Concat(p.Select(c => (char)(c - '0' + '\uFF10'))));
            ads.Add("号码" + string.Concat(p.Select(c => "〇一二三四五六七八九"[c - '0'])));
            ads.Add($"有货找我 {string.Concat(p.Take(5))} {string.Concat(p.Skip(5).Select(c => "零一二三四五六七八九"[c - '0']))}");
        }

        // Links without a scheme, and with one.
        foreach (var link in new[] { "abc.com/x", "shop.vip", "taobao.cn/item", "baby-mall.top/sale", "m.example.net", "cheap.xyz/1", "tb.cc/abc", "go.shop", "buy.club/milk", "x.com", "http://a.cn", "www.diaper.cn" })
        {
            ads.Add($"便宜奶粉看这里 {link}");
            ads.Add($"{link} 团购价");
        }

        return ads;
    }

    internal static List<string> Ordinary()
    {
        var lines = new List<string>
        {
            "宝宝晚上总是醒，怎么办？", "谢谢分享！", "which size for 6 months?", "今天打卡了", "good morning everyone", "这个奶粉好用吗",
            "我家宝宝红屁屁了，用什么护臀膏好？", "收到了，包装很好", "群主辛苦了", "昨天下单的什么时候发货呀", "宝宝湿疹怎么护理",
            "请问夜用的尿不湿和日用的有什么区别", "这个月的会员日是几号？", "有没有宝妈用过这款辅食机", "今天宝宝第一次翻身了，好开心",
            "谢谢群主的试用装，宝宝用着不红屁股", "大家都是几点给宝宝洗澡的", "我也想问这个", "哈哈哈太可爱了", "同问", "好的，明白了",
            "我们家一直用的L码", "宝宝体重9.5kg，身高75cm，用哪个码", "体温37.5度，要去医院吗", "奶粉冲多少毫升合适", "一天喝几次奶",
            "辅食从几个月开始加", "米粉和果泥先加哪个", "我家吃了一罐半了", "快递到了，谢谢", "有没有拼团的", "下次活动什么时候",
            "宝宝六个月了，可以吃蛋黄吗", "三个月的宝宝睡多久正常", "一岁了还不会走路正常吗", "晚安各位宝妈", "早上好", "中午好",
            "我在微信群里问过了", "我用微信支付的", "微信运动今天一万二千步", "QQ群满了吗", "我的qq音乐会员到期了", "wechat group is great",
            "我刚从超市回来", "今天天气真好，带宝宝出去晒太阳", "纸尿裤在哪里买比较便宜", "会员价是多少", "这个是正品吗", "保质期到什么时候",
            "我们家宝宝不爱喝水怎么办", "推荐一下安抚奶嘴", "有宝妈用过吸奶器吗", "产后恢复大家怎么做的", "月子里能洗头吗",
            "宝宝打疫苗后发烧了", "百白破打完要注意什么", "下个月15号打疫苗", "订单已收到，谢谢", "我买了两箱", "再来三包",
            "退款什么时候到账", "客服说明天发货", "物流显示已签收", "第二件半价吗", "满199减30是吗", "优惠券怎么用",
        };

        // Order talk, prices, dates, times, quantities and measurements, as a store's group writes them.
        string[] products = ["纸尿裤", "拉拉裤", "奶粉", "米粉", "湿巾", "护臀膏", "奶瓶", "辅食机", "睡袋", "口水巾"];
        string[] sizes = ["NB", "S", "M", "L", "XL", "XXL"];
        for (var i = 0; lines.Count < 1000; i++)
        {
            var p = products[i % products.Length];
            var price = 19 + (i * 37 % 400);
            var day = 1 + (i % 28);
            var month = 1 + (i % 12);
            lines.Add((i % 12) switch
            {
                0 => $"{p}多少钱？是{price}元吗",
                1 => $"宝宝{1 + (i % 24)}个月了，{p}用{sizes[i % sizes.Length]}码合适吗？",
                2 => $"{month}月{day}号下的单，{p}还没到",
                3 => $"我买了{1 + (i % 9)}包{p}，一共{price}.{i % 10}0元",
                4 => $"订单号{2026030100000 + (i * 7919)}，麻烦查一下",
                5 => $"今天{8 + (i % 12)}点{(i * 7) % 60}分喂的奶，{60 + (i % 200)}毫升",
                6 => $"宝宝身高{60 + (i % 30)}.{i % 10}cm，体重{5 + (i % 10)}.{i % 10}kg",
                7 => $"{2026}-{month:00}-{day:00} 到货，谢谢群主",
                8 => $"会员价{price}，原价{price + 30}，划算",
                9 => $"第{1 + (i % 5)}次回购{p}了，好用",
                10 => $"¥{price}.{i % 100:00} 的那款{p}还有吗",
                _ => $"{p}满{price}减{i % 50}，{month}月{day}日截止",
            });
        }

        return lines;
    }

    private static bool IsAd(string text)
    {
        var state = new GroupState(GroupPolicy.Create(new GroupPolicy { Version = "v", EffectiveFrom = T0 - Duration.FromDays(1) }));
        state.Apply(new MemberAdded(T0, MemberId.From("a")));
        var outcome = state.Apply(new MessagePosted(T0 + Duration.FromMinutes(1), MemberId.From("a"), text));
        return outcome.Decisions.Any(d => d.RuleId == "content.ad");
    }

    [Fact]
    public void TheDefaultRules_CatchTheAds_AndLeaveOrdinaryChatAlone()
    {
        var ads = Ads();
        var ordinary = Ordinary();
        Assert.True(ads.Count >= 300, $"{ads.Count} ads");
        Assert.Equal(1000, ordinary.Count);
        var missed = ads.Where(a => !IsAd(a)).ToList();
        var flagged = ordinary.Where(IsAd).ToList();
        var recall = 1.0 - ((double)missed.Count / ads.Count);
        var falsePositives = (double)flagged.Count / ordinary.Count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ads {ads.Count}: recall {recall:P1} ({missed.Count} missed); ordinary lines {ordinary.Count}: false positives {falsePositives:P1} ({flagged.Count})"));
        foreach (var m in missed)
        {
            output.WriteLine("missed: " + m);
        }

        foreach (var f in flagged)
        {
            output.WriteLine("flagged: " + f);
        }

        Assert.True(recall >= 0.95, $"recall {recall:P1}; missed: {string.Join(" | ", missed.Take(30))}");
        Assert.True(falsePositives <= 0.01, $"false positives {falsePositives:P1}: {string.Join(" | ", flagged.Take(30))}");
    }

    [Fact]
    public void TheEvidence_QuotesTheOriginalText()
    {
        var state = new GroupState(GroupPolicy.Create(new GroupPolicy { Version = "v", EffectiveFrom = T0 - Duration.FromDays(1) }));
        state.Apply(new MemberAdded(T0, MemberId.From("a")));
        var outcome = state.Apply(new MessagePosted(T0 + Duration.FromMinutes(1), MemberId.From("a"), "好物推荐 号码一三八 一二三四 五六七八"));
        Assert.Equal("phone number \"好物推荐 号码一三八 一二三四 五六七八\"", outcome.Decisions[0].Evidence);

        // Off, the same message passes.
        var off = new GroupState(GroupPolicy.Create(new GroupPolicy { Version = "v", EffectiveFrom = T0 - Duration.FromDays(1), Content = new ContentRules { BlockContacts = false } }));
        off.Apply(new MemberAdded(T0, MemberId.From("a")));
        Assert.Equal(GroupEventStatus.Applied, off.Apply(new MessagePosted(T0 + Duration.FromMinutes(1), MemberId.From("a"), "威信 abc12345")).Status);
    }
}
