# 微益坊 — English (second language)

site-name = Wei Yi Fang 微益坊
site-tagline = Incubating community organizations and their volunteer services
nav-label = Main navigation
nav-skip = Skip to content
nav-home = Home
lang-switch = 中文
lang-switch-label = Switch to Chinese
footer-text = Wei Yi Fang · incubating community social organizations, doing good close to home.
footer-api = Open API

home-title = Home
home-lead = Wei Yi Fang is where a sub-district incubates community social organizations: it registers organizations and volunteers, runs public-welfare projects, holds a monthly community market day (free haircuts, clinics, consultations), lets volunteers sign up for shifts on their phones, and counts service hours and residents served for the monthly report.
home-upcoming-heading = Upcoming market days
home-upcoming-empty = No market days are scheduled yet. They appear here once a coordinator publishes one.
home-what-heading = What you can do here
feature-orgs-title = Incubate organizations
feature-orgs-text = Register community organizations, follow each one from application through incubation to graduation, and manage members and leaders.
feature-market-title = Market days and volunteer sign-up
feature-market-text = See the stalls of each monthly market day, sign up for a shift on your phone, and join the waiting list when it is full.
feature-hours-title = Service hours and residents served
feature-hours-text = Check-in and check-out record service hours; residents served are counted; the monthly report exports in one step.

market-when = When
market-place = Where

error-title = Something went wrong
error-back-home = Back to the home page
error-not-found = The page or record you asked for does not exist.
error-method-not-allowed = This kind of request is not supported here.
error-payload-too-large = What you sent is too large.
error-unsupported-media-type = What you sent is in a format that is not supported.
error-too-many-requests = Too many attempts. Please wait a moment and try again.
error-unavailable = The service is unavailable for a moment. Please try again shortly.
error-bad-request = The request is not valid. Please check it and try again.
error-internal = Something went wrong on our side. Please try again later; the error has been logged.
error-limit-out-of-range = limit must be a whole number from 1 to 50.

weekday-mon = Mon
weekday-tue = Tue
weekday-wed = Wed
weekday-thu = Thu
weekday-fri = Fri
weekday-sat = Sat
weekday-sun = Sun
