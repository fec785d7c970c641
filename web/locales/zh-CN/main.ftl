# 微益坊 — 简体中文（主要语言）

site-name = 微益坊
site-tagline = 社区社会组织孵化与志愿服务平台
nav-label = 主导航
nav-skip = 跳到正文
nav-home = 首页
lang-switch = English
lang-switch-label = 切换到英文
footer-text = 微益坊 · 孵化社区社会组织，办好群众身边的公益实事。
footer-api = 开放接口 (API)

home-title = 首页
home-lead = 微益坊是街道孵化社区社会组织的平台：登记组织和志愿者，开展公益项目，每月举办社区公益集市（义务理发、义诊、咨询），志愿者用手机报名值班，服务时长和受益居民自动统计，按月向上级报送。
home-upcoming-heading = 近期公益集市
home-upcoming-empty = 还没有即将举行的公益集市。协调员发布集市后，会显示在这里。
home-what-heading = 在微益坊可以做什么
feature-orgs-title = 孵化社会组织
feature-orgs-text = 登记社区社会组织，记录从申请、孵化到出壳的每一步，管理成员和负责人。
feature-market-title = 公益集市与志愿报名
feature-market-text = 查看每月集市的服务摊位，用手机报名值班，名额已满时自动候补。
feature-hours-title = 服务时长与受益统计
feature-hours-text = 签到签退记录服务时长，统计受益居民人次，月报一键导出。

market-when = 时间
market-place = 地点

error-title = 出错了
error-back-home = 返回首页
error-not-found = 找不到您要的页面或数据。
error-method-not-allowed = 不支持这种请求方式。
error-payload-too-large = 提交的内容太大了。
error-unsupported-media-type = 提交的内容格式不受支持。
error-too-many-requests = 操作太频繁，请稍后再试。
error-unavailable = 服务暂时不可用，请稍后再试。
error-bad-request = 请求的内容不正确，请检查后重试。
error-internal = 服务器出了点问题，请稍后再试。我们已记录此错误。
error-limit-out-of-range = 数量 (limit) 必须是 1 到 50 之间的整数。

weekday-mon = 周一
weekday-tue = 周二
weekday-wed = 周三
weekday-thu = 周四
weekday-fri = 周五
weekday-sat = 周六
weekday-sun = 周日
