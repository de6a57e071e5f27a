// Corpus generator. See corpus.hpp for the invariants.
#include "bench/corpus.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace wirefeed::bench {
namespace {

using namespace std::string_view_literals;

// ---- word lists ---------------------------------------------------------------------------

constexpr auto kFirst = std::to_array<std::string_view>({
    "Anna",   "Bart",   "Carlos", "Dana",  "Elena",  "Farid", "Grace",   "Hiro",  "Ines",  "Jonas",
    "Kemal",  "Laura",  "Mehmet", "Nadia", "Oliver", "Priya", "Quentin", "Rosa",  "Samir", "Tomasz",
    "Ursula", "Victor", "Wen",    "Yusuf", "Zofia",  "Ahmed", "Brigid",  "Chen",  "Diego", "Eitan",
    "Fatima", "Gunnar", "Helen",  "Ivan",  "Joyce",  "Kwame", "Leila",   "Marco", "Niamh", "Pavel",
});
constexpr auto kLast = std::to_array<std::string_view>({
    "Meijer",    "Sterling", "Harvey",   "Odum",     "Holt",    "Martin",  "Novak",    "Okafor",
    "Lindqvist", "Tanaka",   "Ferreira", "Kowalski", "Haddad",  "Brennan", "Castillo", "Dubois",
    "Eriksen",   "Fischer",  "Gallo",    "Hussain",  "Ivanova", "Jensen",  "Kaur",     "Lopez",
    "Moreau",    "Nakamura", "Olsen",    "Petrov",   "Quinn",   "Rossi",   "Schmidt",  "Tiwari",
    "Varga",     "Walsh",    "Xu",       "Yilmaz",   "Zhang",   "Abbott",  "Barros",   "Cole",
});
constexpr auto kTitles = std::to_array<std::string_view>({
    "a spokesperson for",
    "the chief executive of",
    "a senior official at",
    "an analyst at",
    "the finance director of",
    "a lawyer for",
    "the head of research at",
    "a board member of",
    "a negotiator for",
    "the deputy director of",
});
constexpr auto kOrgs = std::to_array<std::string_view>({
    "the FNV union",
    "the Port Authority",
    "the European Commission",
    "the central bank",
    "the Ministry of Finance",
    "the World Health Organization",
    "the transport ministry",
    "the state utility",
    "the national weather service",
    "the International Monetary Fund",
    "the city council",
    "the competition regulator",
    "the Supreme Court",
    "the energy regulator",
    "the opposition party",
    "the coast guard",
    "the interior ministry",
    "the teachers' union",
    "the pilots' association",
    "the statistics office",
});
constexpr auto kCompanies = std::to_array<std::string_view>({
    "Northwind Holdings",   "Bluefield Energy", "Corvex Systems",   "Dunmore Foods",
    "Estera Pharma",        "Falkner Motors",   "Greystone Bank",   "Halvard Shipping",
    "Ilex Telecom",         "Juniper Mining",   "Kestrel Airlines", "Lumen Retail",
    "Marlow Insurance",     "Nordhavn Wind",    "Orbis Chemicals",  "Pinecrest Media",
    "Quarry Steel",         "Redwater Oil",     "Solace Health",    "Tidewater Logistics",
    "Umbra Semiconductors", "Valemont Brewing", "Westbury Homes",   "Yarrow Biotech",
    "Zenith Paper",         "Altamira Cement",  "Brightline Rail",  "Cobalt Software",
});
constexpr auto kCountries = std::to_array<std::string_view>({
    "Germany",
    "Brazil",
    "Japan",
    "Kenya",
    "India",
    "Mexico",
    "Poland",
    "Turkey",
    "Canada",
    "Indonesia",
    "Nigeria",
    "Spain",
    "Vietnam",
    "Chile",
    "Egypt",
    "Norway",
});
// Dateline locations as sent, with the city name as used in text.
struct Place {
  std::string_view dateline;
  std::string_view city;
};
constexpr auto kPlaces = std::to_array<Place>({
    {"ROTTERDAM", "Rotterdam"},
    {"LONDON", "London"},
    {"WASHINGTON", "Washington"},
    {"BERLIN", "Berlin"},
    {"TOKYO", "Tokyo"},
    {"NAIROBI", "Nairobi"},
    {"MUMBAI", "Mumbai"},
    {"SAO PAULO", "Sao Paulo"},
    {"MEXICO CITY", "Mexico City"},
    {"WARSAW", "Warsaw"},
    {"ISTANBUL", "Istanbul"},
    {"OTTAWA", "Ottawa"},
    {"JAKARTA", "Jakarta"},
    {"LAGOS", "Lagos"},
    {"MADRID", "Madrid"},
    {"HANOI", "Hanoi"},
    {"SANTIAGO", "Santiago"},
    {"CAIRO", "Cairo"},
    {"OSLO", "Oslo"},
    {"SINGAPORE", "Singapore"},
    {"BRUSSELS", "Brussels"},
    {"PORTLAND, Ore.", "Portland"},
    {"ATLANTA", "Atlanta"},
    {"DENVER", "Denver"},
    {"HOUSTON", "Houston"},
    {"MIAMI", "Miami"},
    {"CHICAGO", "Chicago"},
    {"SEATTLE", "Seattle"},
});
constexpr auto kWeekdays = std::to_array<std::string_view>(
    {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"});
constexpr auto kMonths = std::to_array<std::string_view>(
    {"Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec"});
constexpr auto kAdjectives = std::to_array<std::string_view>({
    "difficult",
    "unprecedented",
    "modest",
    "significant",
    "temporary",
    "lasting",
    "fragile",
    "costly",
    "welcome",
    "disappointing",
    "long-awaited",
    "controversial",
});

struct Topic {
  std::string_view name;
  std::array<std::string_view, 6> nouns;
  std::array<std::string_view, 5> verbs;  // past-tense verb phrases
  std::array<std::string_view, 4> heads;  // headline fragments after a subject
};
constexpr auto kTopics = std::to_array<Topic>({
    {"labour",
     {"the strike", "wage talks", "the walkout", "the union's demands", "overtime rules",
      "the pension deal"},
     {"extended the strike", "rejected the latest offer", "called for arbitration",
      "suspended talks", "threatened further stoppages"},
     {"extend strike at", "reject pay offer in", "walk out over automation in",
      "reach tentative deal in"}},
    {"energy",
     {"gas prices", "the pipeline", "power supplies", "the grid upgrade", "fuel subsidies",
      "the new wind farm"},
     {"cut output", "delayed the project", "raised tariffs", "approved the expansion",
      "warned of shortages"},
     {"cuts gas output near", "delays pipeline project in", "warns of power shortages in",
      "approves wind farm off"}},
    {"politics",
     {"the coalition", "the budget bill", "the election campaign", "the reform package",
      "the no-confidence vote", "the new cabinet"},
     {"called a snap vote", "blocked the bill", "named a new minister", "won a narrow majority",
      "proposed sweeping changes"},
     {"calls snap vote in", "blocks budget bill in", "names new cabinet in",
      "faces confidence vote in"}},
    {"courts",
     {"the ruling", "the appeal", "the class action", "the antitrust case", "the verdict",
      "the settlement"},
     {"overturned the decision", "ordered a retrial", "fined the company", "upheld the ban",
      "dismissed the lawsuit"},
     {"overturns ruling in", "orders retrial in", "upholds ban on imports to", "fines lender in"}},
    {"weather",
     {"the storm", "flood defences", "the heatwave", "power outages", "evacuation orders",
      "the drought"},
     {"toppled trees onto homes", "cut power to thousands", "forced schools to close",
      "flooded low-lying streets", "disrupted rail services"},
     {"storms knock out power in", "floods force evacuations near", "heatwave strains grid in",
      "drought threatens harvest around"}},
    {"tech",
     {"the chip plant", "the data centre", "the software update", "the outage", "the cyber attack",
      "the privacy rules"},
     {"restored service", "paused the rollout", "disclosed a breach", "opened a new factory",
      "cut hundreds of jobs"},
     {"opens chip plant near", "hit by outage in", "discloses breach affecting users in",
      "cuts jobs at unit in"}},
    {"transport",
     {"the rail network", "flight cancellations", "the port", "the metro lines", "the new motorway",
      "container traffic"},
     {"cancelled hundreds of flights", "halted trains", "reopened the bridge",
      "reduced frequencies", "closed the terminal"},
     {"cancels flights at airport in", "halts trains across", "reopens bridge in",
      "closes terminal at port of"}},
    {"trade",
     {"tariffs", "the trade deal", "export controls", "the import quota", "customs checks",
      "the shipping backlog"},
     {"imposed new tariffs", "signed the agreement", "tightened export controls",
      "lifted the quota", "launched an investigation"},
     {"imposes tariffs on steel from", "signs trade pact with", "tightens export rules for",
      "probes dumping by firms in"}},
    {"health",
     {"the outbreak", "hospital waiting lists", "the vaccine campaign", "drug shortages",
      "the new clinic", "the health budget"},
     {"declared an emergency", "expanded vaccinations", "reported new cases", "approved the drug",
      "recalled the batch"},
     {"declares outbreak emergency in", "expands vaccine drive in", "reports new cases near",
      "approves drug for patients in"}},
    {"diplomacy",
     {"the talks", "the ceasefire", "the sanctions", "the summit", "the peace plan", "the embassy"},
     {"resumed talks", "agreed a ceasefire", "imposed sanctions", "recalled the ambassador",
      "hosted the summit"},
     {"resume talks in", "agree ceasefire near", "impose sanctions over clashes in",
      "host summit in"}},
});

const Topic& topic_by_name(const std::string& name) {
  for (const auto& t : kTopics) {
    if (t.name == name) return t;
  }
  return kTopics[0];
}

// Sentence templates. {P} person, {T} title, {O} organisation, {K} company, {C} country,
// {Y} city, {D} weekday, {N} count, {R} percentage, {M} money, {X} topic noun, {V} topic verb,
// {A} adjective, {Q} quote clause.
constexpr auto kSentences = std::to_array<std::string_view>({
    "{O} said on {D} it had {V}, deepening uncertainty over {X}.",
    "About {N} people were affected, according to {O}, up from {N} earlier in the week.",
    "\"{Q},\" {P}, {T} {O}, told reporters in {Y}.",
    "{P}, {T} {K}, said {X} would cost the region at least {M} this year.",
    "The decision comes after months of pressure over {X} from lawmakers in {C}.",
    "Officials in {Y} said {X} was expected to last until at least {D}.",
    "{K} shares fell {R} in early trading after the company {V}.",
    "Critics said the move was {A} and warned that {X} could drag on for weeks.",
    "\"We have been very clear about {X},\" {P} said. \"{Q}.\"",
    "Neither {O} nor {K} responded to requests for comment on {D}.",
    "The government in {C} has set aside {M} to deal with {X}, a figure analysts called {A}.",
    "Last year {O} {V} after a similar dispute, which lasted {N} days.",
    "{P}, who has covered {X} for {N} years, said the outcome was far from certain.",
    "Data published on {D} showed a rise of {R} compared with the same month last year.",
    "Residents of {Y} described the situation as {A}, with queues stretching for hours.",
    "{O} is due to publish its assessment of {X} next {D}.",
    "Under the plan, {K} would invest {M} over {N} years in {Y} and nearby towns.",
    "The talks in {Y} broke down late on {D} without agreement on {X}.",
    "According to a person familiar with the matter, {O} {V} partly to avoid a clash over {X}.",
    "\"{Q},\" said {P}, adding that {X} was now the priority.",
    "Similar measures in {C} cut costs by about {R}, a study by {O} found.",
    "Police in {Y} said {N} people had been detained and that no serious injuries were reported.",
    "{P} of {K} said demand had held up better than expected despite {X}.",
    "The dispute over {X} has weighed on the economy of {C} since early last year.",
    "Investors will watch {X} closely after {O} {V} on {D}.",
    "In a statement, {O} said it regretted the disruption and was working to resolve {X}.",
    "Earlier on {D}, {K} {V}, citing {X} and higher financing costs.",
    "It was not immediately clear how {X} would affect the {N} workers employed in {Y}.",
    "Analysts at {K} estimated the cost at {M}, roughly {R} of annual output.",
    "{P} said the team had spent {N} weeks preparing for {X} and was ready to act.",
    "The figure was the highest since records began {N} years ago, {O} said.",
    "Opposition lawmakers called the response to {X} {A} and demanded an inquiry.",
    "{O} last month {V}, a step that {P}, {T} {K}, described as {A}.",
    "Traffic in central {Y} was diverted for several hours while crews worked on {X}.",
    "A spokesperson for {K} declined to comment on {X} or on the talks with {O}.",
    "Some {N} households remained without power in and around {Y} on {D} evening.",
});
constexpr auto kQuotes = std::to_array<std::string_view>({
    "Our members want guarantees, not just money",
    "This is a {A} moment for everyone involved",
    "We will not accept {X} without proper consultation",
    "Nobody expected it to happen this quickly",
    "We are doing everything we can to restore normal service",
    "The numbers speak for themselves",
    "It is too early to say how long this will last",
    "We had gusts well over {N} miles an hour in some spots",
    "People are tired and they want answers",
    "We remain committed to a negotiated solution",
});
constexpr auto kAdvisories = std::to_array<std::string_view>({
    "(Adds union comment in paragraph 4, background)",
    "(Adds details on costs, analyst comment)",
    "(Adds quotes from officials, paragraphs 5-7)",
    "(Adds background on dispute)",
    "(Updates with new figures from ministry)",
    "(Adds reaction from opposition)",
});
constexpr auto kCaptions = std::to_array<std::string_view>({
    "Ships wait to berth outside the port of {Y}, {C}",
    "Workers gather outside the company headquarters in {Y}, {C}",
    "A man walks past a damaged building in {Y}, {C}",
    "Commuters queue at a station in central {Y}, {C}",
    "Police officers stand guard during a protest in {Y}, {C}",
    "A view shows the plant on the outskirts of {Y}, {C}",
});

// Templated items: every instance of one template id shares the same text skeleton.
constexpr auto kEarningsDrivers = std::to_array<std::string_view>({
    "strong demand in North America",
    "cost cuts",
    "higher prices",
    "a weaker currency",
    "robust online sales",
    "lower energy costs",
});
constexpr std::array<std::array<std::string_view, 7>, 3> kEarnings{{
    {"{K} quarterly profit rises {R} on {DRIVER}",
     "{K} on {D} reported a rise in third-quarter net profit to {M} from {M} a year earlier, "
     "helped by {DRIVER}.",
     "Revenue rose {R} to {M}, compared with analysts' average estimate of {M}, according to "
     "LSEG data.",
     "Earnings per share were {EPS}, against expectations of {EPS}.",
     "The company kept its full-year forecast for revenue of {M} to {M}.",
     "Shares of {K} were up {R} in premarket trading.",
     "{K} said its order backlog stood at {M} at the end of the quarter, up {R} from a year "
     "earlier."},
    {"{K} misses profit forecast as costs bite",
     "{K} said on {D} its quarterly operating profit fell {R} to {M}, missing the {M} expected "
     "by analysts.",
     "Sales were {M}, down {R} from a year ago.",
     "The group blamed higher raw material and wage costs and said it would cut about {N} jobs.",
     "It now expects full-year operating profit of {M} to {M}, down from a previous range of "
     "{M} to {M}.",
     "{K} shares, which have lost {R} so far this year, fell {R} in early trade.",
     "Net debt rose to {M} at the end of the period from {M} three months earlier."},
    {"BRIEF-{K} posts Q{NQ} revenue of {M}",
     "{K} reports quarterly revenue of {M} versus {M} last year.",
     "Quarterly earnings per share of {EPS} versus {EPS} a year ago.",
     "Sees full-year revenue between {M} and {M}.",
     "Quarterly gross margin was {R} versus {R} last year.",
     "Board declares quarterly dividend of {EPS} per share.", "Source text for Eikon: ID:nBw{ID}."},
}};
constexpr auto kMetals =
    std::to_array<std::string_view>({"gold", "silver", "platinum", "palladium", "copper"});
constexpr std::array<std::array<std::string_view, 7>, 2> kCommodity{{
    {"PRECIOUS-{METAL_T} {MOVE} as dollar {DMOVE}; Fed minutes in focus",
     "Spot {METAL} {MOVED} {PCT} to ${PRICE} per ounce by {HH}:{MM} GMT.",
     "U.S. {METAL} futures {MOVED} {PCT} to ${PRICE}.",
     "The dollar index {DMOVED} {PCT}, making bullion {CHEAPER} for holders of other "
     "currencies.",
     "Spot silver {MOVED} {PCT} to ${SMALL} per ounce, platinum {MOVED} {PCT} to ${PRICE} and "
     "palladium {MOVED} {PCT} to ${PRICE}.",
     "Holdings of SPDR Gold Trust, the world's largest gold-backed exchange-traded fund, {MOVED} "
     "{PCT} to {TONNES} tonnes on {D}.",
     "Traders are pricing in a {PCT} chance of a rate cut at the next meeting, according to the "
     "CME FedWatch tool."},
    {"Oil {MOVE} as supply concerns {DMOVE}",
     "Brent crude futures {MOVED} {PCT} to ${PRICE} a barrel by {HH}:{MM} GMT, while U.S. West "
     "Texas Intermediate crude {MOVED} {PCT} to ${PRICE}.",
     "Both benchmarks {MOVED} about {PCT} in the previous session.",
     "U.S. crude inventories {MOVED} by {NM} million barrels in the week ended {D}, according to "
     "market sources citing American Petroleum Institute figures.",
     "Analysts polled had expected a draw of about {NM} million barrels.",
     "Gasoline stocks {MOVED} by {NM} million barrels, while distillate inventories {MOVED} by "
     "{NM} million barrels.",
     "The market is also watching output levels from major producers ahead of their meeting "
     "next month."},
}};
constexpr auto kTeams = std::to_array<std::string_view>({
    "Arsenal",
    "Everton",
    "Brentford",
    "Fulham",
    "Burnley",
    "Wolves",
    "Bournemouth",
    "Brighton",
    "Newcastle",
    "Chelsea",
    "Liverpool",
    "Tottenham",
    "Aston Villa",
    "Leeds",
});
constexpr std::array<std::array<std::string_view, 7>, 2> kSports{{
    {"{TEAM1} beat {TEAM2} {G1}-{G2} to climb to {ORD} in the Premier League",
     "{TEAM1} beat {TEAM2} {G1}-{G2} on {D} to move up to {ORD} place in the Premier League "
     "standings with {PTS} points from {GP} games.",
     "{PLAYER} scored twice for the home side, opening the scoring in the {MIN}th minute and "
     "adding a second after the break.",
     "{TEAM2} pulled one back through {PLAYER2} in the {MIN}th minute but could not find an "
     "equaliser.",
     "The defeat left {TEAM2} in {ORD2} place on {PTS2} points.",
     "\"We showed character today,\" {TEAM1} manager {PERSON} told reporters. \"The players "
     "deserve this.\"",
     "{TEAM1} host {TEAM3} next {D}, while {TEAM2} travel to {TEAM4}."},
    {"{TEAM1} and {TEAM2} draw {G1}-{G1} in Premier League",
     "{TEAM1} and {TEAM2} drew {G1}-{G1} on {D}, leaving both sides short of the top four.",
     "{PLAYER} put {TEAM1} ahead in the {MIN}th minute before {PLAYER2} levelled for {TEAM2} "
     "shortly before halftime.",
     "The result left {TEAM1} {ORD} with {PTS} points and {TEAM2} {ORD2} on {PTS2}.",
     "A crowd of {CROWD} watched the match in heavy rain.",
     "\"A point is a fair result,\" said {TEAM2} coach {PERSON}.",
     "{TEAM1} have now gone {GP} league games without defeat."},
}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string fmt_money(Rng& r) {
  char buf[48];
  if (r.chance(0.5)) {
    std::snprintf(buf, sizeof buf, "$%d.%d billion", r.between(1, 95), r.between(0, 9));
  } else {
    std::snprintf(buf, sizeof buf, "%d million euros", r.between(12, 980));
  }
  return buf;
}

std::string fmt_pct(Rng& r) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%d.%d%%", r.between(0, 14), r.between(0, 9));
  return buf;
}

std::string fmt_int(int v) { return std::to_string(v); }

std::string month_day(std::chrono::sys_seconds t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  return std::string(kMonths[static_cast<unsigned>(ymd.month()) - 1]) + " " +
         std::to_string(static_cast<unsigned>(ymd.day()));
}

}  // namespace

// ---- Rng ----------------------------------------------------------------------------------

Rng::Rng(uint64_t seed) {
  for (auto& s : s_) {
    seed += 0x9E3779B97F4A7C15ULL;
    uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    s = z ^ (z >> 31);
  }
}

uint64_t Rng::next() {
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::size_t Rng::below(std::size_t n) {
  __extension__ using u128 = unsigned __int128;  // Lemire's multiply-shift range reduction
  return static_cast<std::size_t>((static_cast<u128>(next()) * n) >> 64);
}

int Rng::between(int lo, int hi) {
  return lo + static_cast<int>(below(static_cast<std::size_t>(hi - lo + 1)));
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

// ---- Story --------------------------------------------------------------------------------

const char* shape_name(Shape s) {
  switch (s) {
    case Shape::kReuters:
      return "reuters";
    case Shape::kAp:
      return "ap";
    case Shape::kEarnings:
      return "earnings";
    case Shape::kCommodity:
      return "commodity";
    case Shape::kSports:
      return "sports";
  }
  return "?";
}

bool is_templated(Shape s) {
  return s == Shape::kEarnings || s == Shape::kCommodity || s == Shape::kSports;
}

std::size_t Story::sentence_count() const {
  std::size_t n = 0;
  for (const auto& p : paragraphs) n += p.size();
  return n;
}

// ---- generator ----------------------------------------------------------------------------

std::string CorpusGenerator::person() {
  return std::string(rng_.pick(kFirst)) + " " + std::string(rng_.pick(kLast));
}

std::string CorpusGenerator::expand(std::string_view tmpl, const std::string& topic) {
  const Topic& t = topic_by_name(topic);
  std::string out;
  out.reserve(tmpl.size() + 64);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] != '{') {
      out.push_back(tmpl[i++]);
      continue;
    }
    const std::size_t close = tmpl.find('}', i);
    const std::string_view key = tmpl.substr(i + 1, close - i - 1);
    i = close + 1;
    if (key == "P") {
      out += person();
    } else if (key == "T") {
      out += rng_.pick(kTitles);
    } else if (key == "O") {
      out += rng_.pick(kOrgs);
    } else if (key == "K") {
      out += rng_.pick(kCompanies);
    } else if (key == "C") {
      out += rng_.pick(kCountries);
    } else if (key == "Y") {
      out += rng_.pick(kPlaces).city;
    } else if (key == "D") {
      out += rng_.pick(kWeekdays);
    } else if (key == "N") {
      out += fmt_int(rng_.between(2, 900));
    } else if (key == "R") {
      out += fmt_pct(rng_);
    } else if (key == "M") {
      out += fmt_money(rng_);
    } else if (key == "X") {
      out += rng_.pick(t.nouns);
    } else if (key == "V") {
      out += rng_.pick(t.verbs);
    } else if (key == "A") {
      out += rng_.pick(kAdjectives);
    } else if (key == "Q") {
      out += expand(rng_.pick(kQuotes), topic);
    }
  }
  return out;
}

std::string CorpusGenerator::sentence(const std::string& topic) {
  std::string s = expand(rng_.pick(kSentences), topic);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::vector<std::string> CorpusGenerator::paragraph(const std::string& topic) {
  std::vector<std::string> p;
  const int n = rng_.between(1, 3);
  for (int i = 0; i < n; ++i) p.push_back(sentence(topic));
  return p;
}

std::string CorpusGenerator::headline(const std::string& topic) {
  const Topic& t = topic_by_name(topic);
  std::string subject = rng_.chance(0.5) ? std::string(rng_.pick(kCompanies))
                                         : std::string(rng_.pick(kOrgs)).substr(4);
  if (!subject.empty()) subject[0] = static_cast<char>(std::toupper(subject[0]));
  std::string h =
      subject + " " + std::string(rng_.pick(t.heads)) + " " + std::string(rng_.pick(kPlaces).city);
  if (rng_.chance(0.4)) h += " as " + std::string(rng_.pick(t.nouns)).substr(4) + " drag on";
  return h;
}

std::string CorpusGenerator::advisory() { return std::string(rng_.pick(kAdvisories)); }

void CorpusGenerator::fill_news_meta(Story& s, bool ap) {
  s.caption = expand(rng_.pick(kCaptions), s.topic);
  s.photographer = person();
  if (ap) {
    s.byline = upper(person());
    if (rng_.chance(0.6)) s.reporters.push_back(person());  // contributed-to-this-report
    s.reporter_city = std::string(rng_.pick(kPlaces).city);
  } else {
    const int nrep = rng_.between(1, 2);
    for (int i = 0; i < nrep; ++i) s.reporters.push_back(person());
    s.reporter_city = std::string(rng_.pick(kPlaces).city);
    const int ned = rng_.between(1, 2);
    for (int i = 0; i < ned; ++i) s.editors.push_back(person());
  }
}

Story CorpusGenerator::make(Shape shape, std::size_t target_bytes, std::chrono::sys_seconds when) {
  if (is_templated(shape)) {
    const int tid = static_cast<int>(rng_.below(shape == Shape::kEarnings    ? kEarnings.size()
                                                : shape == Shape::kCommodity ? kCommodity.size()
                                                                             : kSports.size()));
    Story s = make_templated(shape, tid, when);
    // Longer templated items carry market background (not templated text).
    std::size_t bytes = s.headline.size();
    for (const auto& p : s.paragraphs)
      for (const auto& x : p) bytes += x.size() + 1;
    while (bytes + 250 < target_bytes) {
      auto p = paragraph("trade");
      for (const auto& x : p) bytes += x.size() + 1;
      s.paragraphs.push_back(std::move(p));
    }
    return s;
  }
  Story s;
  s.shape = shape;
  s.topic = std::string(rng_.pick(kTopics).name);
  s.headline = headline(s.topic);
  const Place& pl = rng_.pick(kPlaces);
  s.location = std::string(pl.dateline);
  s.date = when;
  if (shape == Shape::kReuters && rng_.chance(0.15)) s.tags.push_back("EXCLUSIVE");
  fill_news_meta(s, shape == Shape::kAp);
  std::size_t bytes = s.headline.size() + 300;  // dateline, sign-off, caption
  while (bytes < target_bytes || s.paragraphs.size() < 3) {
    auto p = paragraph(s.topic);
    for (const auto& x : p) bytes += x.size() + 1;
    bytes += 2;
    s.paragraphs.push_back(std::move(p));
  }
  return s;
}

Story CorpusGenerator::make_templated(Shape shape, int template_id, std::chrono::sys_seconds when) {
  Story s;
  s.shape = shape;
  s.template_id = template_id;
  s.topic = "trade";
  s.date = when;
  const auto tid = static_cast<std::size_t>(template_id);
  const std::array<std::string_view, 7>& tpl = shape == Shape::kEarnings    ? kEarnings[tid]
                                               : shape == Shape::kCommodity ? kCommodity[tid]
                                                                            : kSports[tid];
  // Slot values fixed for the item, so repeated slots agree within the item.
  const std::string company(rng_.pick(kCompanies));
  const std::string driver(rng_.pick(kEarningsDrivers));
  std::string metal(rng_.pick(kMetals));
  std::string metal_t = metal;
  metal_t[0] = static_cast<char>(std::toupper(metal_t[0]));
  const bool up = rng_.chance(0.5);
  std::array<std::string, 4> teams;
  for (std::size_t i = 0; i < teams.size(); ++i) {
    do {
      teams[i] = std::string(rng_.pick(kTeams));
    } while ((i > 0 && teams[i] == teams[0]) || (i > 1 && teams[i] == teams[1]) ||
             (i > 2 && teams[i] == teams[2]));
  }
  const std::string player = person(), player2 = person(), manager = person();
  const int g2 = rng_.between(0, 2);
  const int g1 = g2 + rng_.between(1, 3);
  auto ordinal = [](int n) {
    static constexpr std::array<std::string_view, 20> kOrd = {
        "first",  "second", "third", "fourth", "fifth", "sixth", "seventh",
        "eighth", "ninth",  "10th",  "11th",   "12th",  "13th",  "14th",
        "15th",   "16th",   "17th",  "18th",   "19th",  "20th"};
    return std::string(kOrd[static_cast<std::size_t>(n - 1)]);
  };
  const std::string ord = ordinal(rng_.between(1, 20)), ord2 = ordinal(rng_.between(1, 20));
  auto fill = [&](std::string_view tmpl) {
    std::string out;
    std::size_t i = 0;
    char buf[64];
    while (i < tmpl.size()) {
      if (tmpl[i] != '{') {
        out.push_back(tmpl[i++]);
        continue;
      }
      const std::size_t close = tmpl.find('}', i);
      const std::string_view k = tmpl.substr(i + 1, close - i - 1);
      i = close + 1;
      if (k == "K")
        out += company;
      else if (k == "DRIVER")
        out += driver;
      else if (k == "METAL")
        out += metal;
      else if (k == "METAL_T")
        out += metal_t;
      else if (k == "MOVE")
        out += up ? "rises" : "falls";
      else if (k == "MOVED")
        out += rng_.chance(0.5) ? "rose" : "fell";
      else if (k == "DMOVE")
        out += up ? "eases" : "firms";
      else if (k == "DMOVED")
        out += up ? "fell" : "rose";
      else if (k == "CHEAPER")
        out += up ? "cheaper" : "more expensive";
      else if (k == "TEAM1")
        out += teams[0];
      else if (k == "TEAM2")
        out += teams[1];
      else if (k == "TEAM3")
        out += teams[2];
      else if (k == "TEAM4")
        out += teams[3];
      else if (k == "PLAYER")
        out += player;
      else if (k == "PLAYER2")
        out += player2;
      else if (k == "PERSON")
        out += manager;
      else if (k == "ORD")
        out += ord;
      else if (k == "ORD2")
        out += ord2;
      else if (k == "G1")
        out += fmt_int(g1);
      else if (k == "G2")
        out += fmt_int(g2);
      else if (k == "D")
        out += rng_.pick(kWeekdays);
      else if (k == "N" || k == "GP")
        out += fmt_int(rng_.between(3, 40));
      else if (k == "PTS" || k == "PTS2")
        out += fmt_int(rng_.between(5, 80));
      else if (k == "MIN")
        out += fmt_int(rng_.between(3, 89));
      else if (k == "CROWD")
        out += fmt_int(rng_.between(9, 60)) + ",0" + fmt_int(rng_.between(10, 99));
      else if (k == "R" || k == "PCT")
        out += fmt_pct(rng_);
      else if (k == "M")
        out += fmt_money(rng_);
      else if (k == "NQ")
        out += fmt_int(rng_.between(1, 4));
      else if (k == "ID")
        out += fmt_int(rng_.between(100000, 999999));
      else if (k == "NM") {
        std::snprintf(buf, sizeof buf, "%d.%d", rng_.between(0, 9), rng_.between(0, 9));
        out += buf;
      } else if (k == "EPS") {
        std::snprintf(buf, sizeof buf, "$%d.%02d", rng_.between(0, 6), rng_.between(0, 99));
        out += buf;
      } else if (k == "PRICE") {
        std::snprintf(buf, sizeof buf, "%d.%02d", rng_.between(60, 2400), rng_.between(0, 99));
        out += buf;
      } else if (k == "SMALL") {
        std::snprintf(buf, sizeof buf, "%d.%02d", rng_.between(18, 35), rng_.between(0, 99));
        out += buf;
      } else if (k == "TONNES") {
        std::snprintf(buf, sizeof buf, "%d.%02d", rng_.between(800, 1100), rng_.between(0, 99));
        out += buf;
      } else if (k == "HH") {
        std::snprintf(buf, sizeof buf, "%02d", rng_.between(0, 23));
        out += buf;
      } else if (k == "MM") {
        std::snprintf(buf, sizeof buf, "%02d", rng_.between(0, 59));
        out += buf;
      }
    }
    return out;
  };
  std::string head = fill(tpl[0]);
  if (shape == Shape::kEarnings && template_id == 2) {
    s.tags.push_back("BRIEF");
    head = head.substr(6);  // "BRIEF-" is a tag
  }
  if (shape == Shape::kCommodity && template_id == 0) {
    s.tags.push_back("PRECIOUS");
    head = head.substr(9);
  }
  s.headline = head;
  const Place& pl = shape == Shape::kSports ? kPlaces[1] : rng_.pick(kPlaces);
  s.location = std::string(pl.dateline);
  // One or two sentences per paragraph, fixed by the template.
  for (std::size_t i = 1; i < tpl.size(); ++i) {
    if (i == 4 && tpl.size() > 5) {
      s.paragraphs.back().push_back(fill(tpl[i]));
    } else {
      s.paragraphs.push_back({fill(tpl[i])});
    }
  }
  s.reporters.push_back(person());
  s.reporter_city = std::string(rng_.pick(kPlaces).city);
  s.editors.push_back(person());
  return s;
}

Story CorpusGenerator::random(std::size_t min_bytes, std::size_t max_bytes,
                              std::chrono::sys_seconds when) {
  const double u = rng_.uniform();
  const Shape shape = u < 0.40   ? Shape::kReuters
                      : u < 0.70 ? Shape::kAp
                      : u < 0.80 ? Shape::kEarnings
                      : u < 0.90 ? Shape::kCommodity
                                 : Shape::kSports;
  const double lo = std::log(static_cast<double>(min_bytes));
  const double hi = std::log(static_cast<double>(max_bytes));
  const auto target = static_cast<std::size_t>(std::exp(lo + (hi - lo) * rng_.uniform()));
  return make(shape, target, when);
}

RenderStyle CorpusGenerator::random_style() {
  RenderStyle st;
  st.wrap = rng_.chance(0.4) ? rng_.between(68, 90) : 0;
  st.curly_quotes = rng_.chance(0.3);
  st.crlf = rng_.chance(0.1);
  st.chrome = static_cast<unsigned>(rng_.below(16));
  st.extra_blank_lines = rng_.chance(0.2);
  st.trailing_spaces = rng_.chance(0.2);
  st.signoff = rng_.chance(0.9);
  st.caption = rng_.chance(0.7);
  return st;
}

namespace {

void append_wrapped(std::string& out, const std::string& para, const RenderStyle& st,
                    std::string_view nl) {
  auto end_line = [&] {
    if (st.trailing_spaces) out += "  ";
    out += nl;
  };
  if (st.wrap <= 0 || para.size() <= static_cast<std::size_t>(st.wrap)) {
    out += para;
    end_line();
    return;
  }
  std::size_t start = 0;
  while (start < para.size()) {
    if (para.size() - start <= static_cast<std::size_t>(st.wrap)) {
      out.append(para, start);
      end_line();
      break;
    }
    std::size_t cut = para.rfind(' ', start + static_cast<std::size_t>(st.wrap));
    if (cut == std::string::npos || cut <= start) cut = para.find(' ', start);
    if (cut == std::string::npos) {
      out.append(para, start);
      end_line();
      break;
    }
    out.append(para, start, cut - start);
    end_line();
    start = cut + 1;
  }
}

std::string curly(const std::string& s) {
  std::string out;
  bool open = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      out += open ? "\u201C" : "\u201D";
      open = !open;
    } else if (c == '\'') {
      out += "\u2019";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

std::string CorpusGenerator::render(const Story& s, const RenderStyle& st) const {
  const std::string_view nl = st.crlf ? "\r\n" : "\n";
  std::string out;
  out.reserve(4096);
  auto blank = [&] {
    out += nl;
    if (st.extra_blank_lines) out += nl;
  };
  auto para = [&](const std::string& p) {
    append_wrapped(out, st.curly_quotes ? curly(p) : p, st, nl);
    blank();
  };
  const bool ap = s.shape == Shape::kAp;
  if (st.chrome & 1U) {
    out += "Skip to main content";
    out += nl;
    blank();
  }
  std::string head;
  if (st.repeat_tag && !ap) head += "REPEAT-";
  for (const auto& t : s.tags) head += t + "-";
  head += s.headline;
  out += head;
  out += nl;
  blank();
  if (!s.advisory.empty()) para(s.advisory);
  if (ap) {
    out += "By " + s.byline;
    out += nl;
    out += "Associated Press";
    out += nl;
    blank();
  }
  for (std::size_t i = 0; i < s.paragraphs.size(); ++i) {
    std::string p;
    for (const auto& sent : s.paragraphs[i]) {
      if (!p.empty()) p += ' ';
      p += sent;
    }
    if (i == 0) {
      if (ap) {
        p = s.location + " (AP) \u2014 " + p;
      } else {
        p = s.location + ", " + month_day(s.date) + " (Reuters) - " + p;
      }
    }
    para(p);
    if (i == 0 && st.caption && !is_templated(s.shape) && !s.caption.empty()) {
      if (ap) {
        para(s.caption + ". (AP Photo/" + s.photographer + ")");
      } else {
        para(s.caption + ", " + month_day(s.date) + ". REUTERS/" + s.photographer +
             ((st.chrome & 2U) ? " Purchase Licensing Rights" : ""));
      }
    }
    if (i == 1 && (st.chrome & 4U)) {
      out += "Advertisement";
      out += nl;
      blank();
    }
  }
  if (st.signoff) {
    if (ap) {
      if (!s.reporters.empty()) {
        para("Associated Press writer " + s.reporters[0] + " in " + s.reporter_city +
             " contributed to this report.");
      }
    } else {
      std::string so = "Reporting by " + join_names(s.reporters);
      if (!s.reporter_city.empty()) so += " in " + s.reporter_city;
      if (!s.editors.empty()) so += "; Editing by " + join_names(s.editors);
      para(so);
    }
  }
  if ((st.chrome & 8U) && !ap) {
    out += "Our standards: Thomson Reuters Trust Principles.";
    out += nl;
  }
  return out;
}

std::string envelope_json(const std::string& id, const std::string& source,
                          std::chrono::sys_seconds received_at, const std::string& body) {
  std::string out = "{\"id\": \"" + id + "\", \"source\": \"" + source + "\", \"received_at\": \"";
  const std::time_t tt = received_at.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  out += buf;
  out += "\", \"content_type\": \"text/plain\", \"body\": \"";
  for (unsigned char c : body) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"}";
  return out;
}

}  // namespace wirefeed::bench
