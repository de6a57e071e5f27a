// HTML article extraction. See html.hpp for the invariants.
//
// The body is chosen as readability does: text blocks (p, pre, td, leaf divs) score by length
// and commas; each adds its score to its ancestors with decay; candidates start from a weight
// given by their tag and class/id words; the score is scaled by (1 - link density). The best
// candidate (climbing to an ancestor that scores as well) and its siblings that score close to
// it or read as prose are the article. Inside it, lists, tables and divs that look like
// navigation (mostly links, few words, many images) are dropped.
#include "pipeline/formats/html.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "pipeline/formats/text_util.hpp"
#include "pipeline/formats/xml.hpp"
#include "pipeline/text/utf8.hpp"

namespace wirefeed::pipeline::formats {
namespace {

using nlohmann::json;

struct HtmlCtxtFree {
  void operator()(htmlParserCtxt* c) const { htmlFreeParserCtxt(c); }
};

void silent(void*, const char*, ...) {}

std::string_view view(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (iequals(name, n)) return true;
  }
  return false;
}

bool valid_utf8_bytes(std::string_view s) {
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// The value after "charset=" in the first bytes of the page (meta charset or http-equiv).
std::string declared_charset(std::string_view s) {
  const std::string head = lower_ascii(s.substr(0, 16384));
  std::size_t at = 0;
  while ((at = head.find("charset", at)) != std::string::npos) {
    std::size_t i = at + 7;
    while (i < head.size() && (head[i] == ' ' || head[i] == '\t')) ++i;
    if (i >= head.size() || head[i] != '=') {
      at = i;
      continue;
    }
    ++i;
    while (i < head.size() && (head[i] == ' ' || head[i] == '"' || head[i] == '\'')) ++i;
    std::size_t e = i;
    while (e < head.size() &&
           (std::isalnum(static_cast<unsigned char>(head[e])) || head[e] == '-' || head[e] == '_' ||
            head[e] == ':' || head[e] == '.')) {
      ++e;
    }
    if (e > i && e - i < 40) return head.substr(i, e - i);
    at = i;
  }
  return {};
}

}  // namespace

std::string html_charset(std::string_view b) {
  if (b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xEF &&
      static_cast<unsigned char>(b[1]) == 0xBB && static_cast<unsigned char>(b[2]) == 0xBF) {
    return "UTF-8";
  }
  if (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF &&
      static_cast<unsigned char>(b[1]) == 0xFE) {
    return "UTF-16LE";
  }
  if (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFE &&
      static_cast<unsigned char>(b[1]) == 0xFF) {
    return "UTF-16BE";
  }
  // Valid UTF-8 with any byte above ASCII is UTF-8 whatever the page claims (a Latin-1 page
  // almost never forms valid multi-byte sequences); pure ASCII decodes the same either way.
  if (valid_utf8_bytes(b)) return "UTF-8";
  std::string declared = declared_charset(b);
  if (declared == "utf-8" || declared == "utf8" || declared.empty() || declared == "iso-8859-1" ||
      declared == "latin1" || declared == "us-ascii" || declared == "ascii") {
    return "windows-1252";  // invalid UTF-8 declared as UTF-8: the usual mislabel
  }
  xmlCharEncodingHandler* h = xmlFindCharEncodingHandler(declared.c_str());
  if (h == nullptr) return "windows-1252";
  xmlCharEncCloseFunc(h);
  return declared;
}

bool looks_like_html(std::string_view s) {
  if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xEF) s.remove_prefix(3);
  std::size_t i = 0;
  for (int guard = 0; guard < 32; ++guard) {
    while (i < s.size() && static_cast<unsigned char>(s[i]) <= 0x20) ++i;
    if (i >= s.size() || s[i] != '<') return false;
    if (s.compare(i, 4, "<!--") == 0) {
      const std::size_t e = s.find("-->", i + 4);
      if (e == std::string_view::npos) return false;
      i = e + 3;
      continue;
    }
    if (s.compare(i, 2, "<?") == 0) {
      const std::size_t e = s.find("?>", i + 2);
      if (e == std::string_view::npos) return false;
      i = e + 2;
      continue;
    }
    const std::string head = lower_ascii(s.substr(i, 16));
    if (head.rfind("<!doctype html", 0) == 0) return true;
    if (head.rfind("<html", 0) == 0 &&
        (head.size() == 5 || head[5] == '>' || static_cast<unsigned char>(head[5]) <= 0x20)) {
      return true;
    }
    return false;
  }
  return false;
}

bool declares_html_page(std::string_view s) {
  const std::string head = lower_ascii(s.substr(0, 32768));
  if (head.find("<!doctype html") != std::string::npos) return true;
  for (std::size_t at = head.find("<html"); at != std::string::npos;
       at = head.find("<html", at + 5)) {
    const std::size_t e = at + 5;
    if (e < head.size() && (head[e] == '>' || static_cast<unsigned char>(head[e]) <= 0x20)) {
      return true;
    }
  }
  return false;
}

namespace {

// ---- class/id words ----------------------------------------------------------------------

bool has_word(std::string_view hay, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (hay.find(w) != std::string_view::npos) return true;
  }
  return false;
}

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A furniture word in class/id names: it starts a name part ("related-links", "social_bar");
// a short word must also end one ("pager" but not "pagerow", "share" but not "shareholders").
bool has_furniture_word(std::string_view hay, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    for (std::size_t at = hay.find(w); at != std::string_view::npos; at = hay.find(w, at + 1)) {
      const bool starts = at == 0 || !alnum(hay[at - 1]) || !alnum(w.front());
      const std::size_t end = at + w.size();
      const bool ends = end == hay.size() || !alnum(hay[end]) || !alnum(w.back()) || w.size() >= 6;
      if (starts && ends) return true;
    }
  }
  return false;
}

std::string class_id(const xmlNode* n) {
  return lower_ascii(attr(n, "class") + " " + attr(n, "id"));
}

// Words that mark page furniture rather than the story.
bool unlikely(std::string_view ci) {
  return has_furniture_word(
      ci, {"-ad-",       "banner",       "breadcrumb",  "combx",        "comment",    "community",
           "disqus",     "extra",        "footer",      "gdpr",         "cookie",     "menu",
           "related",    "remark",       "replies",     "rss",          "shoutbox",   "sidebar",
           "skyscraper", "social",       "sponsor",     "supplemental", "ad-break",   "agegate",
           "pagination", "pager",        "popup",       "modal",        "newsletter", "subscribe",
           "share",      "sharing",      "promo",       "outbrain",     "taboola",    "recommend",
           "trending",   "most-popular", "mostpopular", "signup",       "sign-up",    "print-only",
           "masthead"});
}

bool maybe_candidate(std::string_view ci) {
  return has_word(ci, {"and", "article", "body", "column", "content", "main", "shadow", "story",
                       "entry", "post-text", "text"});
}

int class_weight(const xmlNode* n) {
  const std::string ci = class_id(n);
  if (ci.size() <= 1) return 0;
  int w = 0;
  if (has_furniture_word(
          ci,
          {"-ad-",     "hidden",     "banner",    "combx",    "comment", "com-",       "contact",
           "foot",     "gdpr",       "masthead",  "media",    "meta",    "outbrain",   "promo",
           "related",  "scroll",     "share",     "shoutbox", "sidebar", "skyscraper", "sponsor",
           "shopping", "tags",       "tool",      "widget",   "caption", "credit",     "byline",
           "author",   "newsletter", "recommend", "teaser"})) {
    w -= 25;
  }
  if (has_word(ci, {"article", "body", "content", "entry", "hentry", "main", "page", "post", "text",
                    "blog", "story"})) {
    w += 25;
  }
  return w;
}

bool is_block_name(std::string_view name) {
  return one_of(
      name, {"p",          "h1",         "h2",     "h3",    "h4",      "h5",     "h6",   "li",
             "dt",         "dd",         "pre",    "tr",    "td",      "th",     "div",  "section",
             "article",    "blockquote", "ul",     "ol",    "dl",      "table",  "main", "figure",
             "figcaption", "header",     "footer", "aside", "address", "center", "hr",   "br",
             "form",       "nav",        "tbody",  "thead"});
}

// ---- per-node statistics -------------------------------------------------------------------

struct Stats {
  std::size_t chars = 0;       // letters and digits, whitespace runs counted once
  std::size_t link_chars = 0;  // of which inside <a>
  std::size_t commas = 0;
  std::size_t paragraphs = 0;  // <p> descendants
  std::size_t images = 0;
  std::size_t items = 0;  // <li>
  std::size_t inputs = 0;
};

std::size_t text_chars(std::string_view s, std::size_t& commas) {
  std::size_t n = 0;
  bool space = true;
  for (unsigned char c : s) {
    if (c <= 0x20) {
      if (!space) ++n;
      space = true;
      continue;
    }
    space = false;
    if ((c & 0xC0) != 0x80) ++n;
    if (c == ',') ++commas;
  }
  return n;
}

using StatsMap = std::unordered_map<const xmlNode*, Stats>;

// Post-order over the tree, iteratively.
void compute_stats(xmlNode* top, StatsMap& m) {
  struct Frame {
    xmlNode* n;
    xmlNode* next_child;
    bool in_link;
  };
  std::vector<Frame> stack;
  stack.push_back({top, top->children, false});
  m[top];
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next_child == nullptr) {
      const xmlNode* done = f.n;
      stack.pop_back();
      if (!stack.empty()) {
        const Stats& s = m[done];
        Stats& p = m[stack.back().n];
        p.chars += s.chars;
        p.link_chars += s.link_chars;
        p.commas += s.commas;
        p.paragraphs += s.paragraphs;
        p.images += s.images;
        p.items += s.items;
        p.inputs += s.inputs;
      }
      continue;
    }
    xmlNode* c = f.next_child;
    f.next_child = c->next;
    const bool in_link = f.in_link;
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      Stats& p = m[f.n];
      const std::size_t n = text_chars(view(c->content), p.commas);
      p.chars += n;
      if (in_link) p.link_chars += n;
      continue;
    }
    if (c->type != XML_ELEMENT_NODE) continue;
    const std::string_view name = view(c->name);
    Stats& s = m[c];
    if (iequals(name, "p")) s.paragraphs = 1;
    if (iequals(name, "img")) s.images = 1;
    if (iequals(name, "li")) s.items = 1;
    if (one_of(name, {"input", "select", "textarea", "button"})) s.inputs = 1;
    if (iequals(name, "figure")) {
      s.images = 1;
      continue;  // captions are not body text
    }
    stack.push_back({c, c->children, in_link || iequals(name, "a")});
  }
}

double link_density(const Stats& s) {
  return s.chars == 0 ? 0.0 : static_cast<double>(s.link_chars) / static_cast<double>(s.chars);
}

// ---- metadata ------------------------------------------------------------------------------

struct Meta {
  std::string title, og_title, jsonld_headline, h1;
  std::string author, jsonld_author;
  std::string published, modified;
  std::string canonical, og_url;
  std::string section, description, language, site_name;
  std::string jsonld_body;
};

std::string json_text(const json& v) {
  if (v.is_string()) return collapse_space(v.get<std::string>());
  if (v.is_object()) {
    for (const char* k : {"name", "@value", "text"}) {
      if (v.contains(k) && v[k].is_string()) return collapse_space(v[k].get<std::string>());
    }
  }
  if (v.is_array()) {
    std::string out;
    for (const json& e : v) {
      const std::string t = json_text(e);
      if (t.empty()) continue;
      if (!out.empty()) out += " and ";
      out += t;
      if (out.size() > 400) break;
    }
    return out;
  }
  return {};
}

bool article_type(const json& t) {
  auto one = [](const json& s) {
    if (!s.is_string()) return false;
    const std::string v = s.get<std::string>();
    return v.find("Article") != std::string::npos || v == "BlogPosting" || v == "Report" ||
           v == "LiveBlogPosting";
  };
  if (one(t)) return true;
  if (t.is_array()) return std::any_of(t.begin(), t.end(), one);
  return false;
}

void read_jsonld_object(const json& o, Meta& m, int depth) {
  if (depth > 8) return;
  if (o.is_array()) {
    for (const json& e : o) read_jsonld_object(e, m, depth + 1);
    return;
  }
  if (!o.is_object()) return;
  if (o.contains("@graph")) read_jsonld_object(o["@graph"], m, depth + 1);
  if (!o.contains("@type") || !article_type(o["@type"])) return;
  auto take = [&](const char* key, std::string& into) {
    if (into.empty() && o.contains(key)) into = json_text(o[key]);
  };
  take("headline", m.jsonld_headline);
  take("author", m.jsonld_author);
  take("datePublished", m.published);
  take("dateModified", m.modified);
  take("articleSection", m.section);
  take("description", m.description);
  take("inLanguage", m.language);
  take("articleBody", m.jsonld_body);
  if (m.canonical.empty() && o.contains("mainEntityOfPage")) {
    const json& e = o["mainEntityOfPage"];
    if (e.is_string()) m.canonical = e.get<std::string>();
    if (e.is_object() && e.contains("@id") && e["@id"].is_string())
      m.canonical = e["@id"].get<std::string>();
  }
}

void read_meta(xmlNode* top, Meta& m) {
  // Iterative pre-order over the whole document (head and body: some pages put meta in body).
  std::vector<xmlNode*> stack{top};
  while (!stack.empty()) {
    xmlNode* n = stack.back();
    stack.pop_back();
    if (n->type != XML_ELEMENT_NODE) continue;
    const std::string_view name = view(n->name);
    if (iequals(name, "html") && m.language.empty()) m.language = attr(n, "lang");
    if (iequals(name, "title") && m.title.empty()) m.title = text(n);
    if (iequals(name, "h1") && m.h1.empty()) m.h1 = text(n);
    if (iequals(name, "meta")) {
      const std::string key =
          lower_ascii(attr(n, "property").empty() ? attr(n, "name") : attr(n, "property"));
      const std::string content = attr(n, "content");
      if (!content.empty()) {
        auto set = [&](std::string& f) {
          if (f.empty()) f = content;
        };
        if (key == "og:title") set(m.og_title);
        if (key == "og:url") set(m.og_url);
        if (key == "og:site_name") set(m.site_name);
        if (key == "og:description" || key == "description") set(m.description);
        if (key == "article:published_time" || key == "datepublished" || key == "pubdate") {
          set(m.published);
        }
        if (key == "article:modified_time" || key == "datemodified") set(m.modified);
        if (key == "article:section") set(m.section);
        if (key == "author" || key == "article:author") {
          if (content.find("://") == std::string::npos) set(m.author);
        }
        if (key == "og:locale" && m.language.empty()) m.language = content;
      }
    }
    if (iequals(name, "link") && m.canonical.empty() &&
        lower_ascii(attr(n, "rel")).find("canonical") != std::string::npos) {
      m.canonical = attr(n, "href");
    }
    if (iequals(name, "script") &&
        lower_ascii(attr(n, "type")).find("ld+json") != std::string::npos) {
      std::string raw;
      for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
        if (c->content != nullptr) raw.append(view(c->content));
      }
      json j = json::parse(raw, nullptr, false);
      if (!j.is_discarded()) read_jsonld_object(j, m, 0);
      continue;
    }
    for (xmlNode* c = n->last; c != nullptr; c = c->prev) stack.push_back(c);
  }
}

// ---- cleaning ------------------------------------------------------------------------------

bool hidden(const xmlNode* n) {
  if (xmlHasProp(n, reinterpret_cast<const xmlChar*>("hidden")) != nullptr) return true;
  if (lower_ascii(attr(n, "aria-hidden")) == "true") return true;
  std::string style = lower_ascii(attr(n, "style"));
  style.erase(std::remove(style.begin(), style.end(), ' '), style.end());
  return style.find("display:none") != std::string::npos ||
         style.find("visibility:hidden") != std::string::npos;
}

bool always_dropped(std::string_view name) {
  return one_of(
      name, {"script", "style",  "noscript", "template", "iframe", "object", "embed",    "svg",
             "math",   "button", "nav",      "footer",   "aside",  "select", "textarea", "input",
             "canvas", "audio",  "video",    "head",     "link",   "meta",   "dialog",   "menu"});
}

struct Explain {
  std::vector<std::string>* out = nullptr;
  void note(std::string_view what, const xmlNode* n) {
    if (out == nullptr || out->size() > 2000) return;
    std::string t = text(n);
    if (t.size() > 100) t = std::string(text::utf8_prefix(t, 97)) + "...";
    std::string ci = collapse_space(class_id(n));
    if (ci.size() > 60) ci.resize(60);
    out->push_back(std::string(what) + " <" + std::string(view(n->name)) +
                   (ci.empty() ? "" : " " + text::valid_utf8(ci)) + ">: " + text::valid_utf8(t));
  }
};

// Bytes of text in <p> elements under `n` (a page wrapper vs a search box or a title block),
// counted up to about `cap`.
std::size_t prose_bytes(const xmlNode* n, std::size_t cap = 4096) {
  std::size_t total = 0;
  std::vector<const xmlNode*> stack{n};
  while (!stack.empty() && total < cap) {
    const xmlNode* c = stack.back();
    stack.pop_back();
    for (const xmlNode* k = c->children; k != nullptr; k = k->next) {
      if (k->type != XML_ELEMENT_NODE) continue;
      if (iequals(view(k->name), "p")) {
        total += text(k).size();
      } else {
        stack.push_back(k);
      }
    }
  }
  return total;
}

// Removes comments, scripts, forms, navigation, hidden elements and elements whose class/id
// name page furniture. Figures are moved out to `figures` (their captions are media, not body).
void strip(xmlNode* body, std::vector<xmlNode*>& doomed, Explain& ex) {
  // An element holding most of the page's prose is the story's wrapper, whatever its class
  // says (a share bar or widget area left unclosed around the text, a "social" site's body).
  const std::size_t page_prose = prose_bytes(body, SIZE_MAX);
  auto holds_page_prose = [&](const xmlNode* n) {
    const std::size_t p = prose_bytes(n, page_prose / 2 + 1);
    return p >= 400 && p * 2 > page_prose;
  };
  std::vector<xmlNode*> stack;
  for (xmlNode* c = body->last; c != nullptr; c = c->prev) stack.push_back(c);
  while (!stack.empty()) {
    xmlNode* n = stack.back();
    stack.pop_back();
    if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE) {
      doomed.push_back(n);
      continue;
    }
    if (n->type != XML_ELEMENT_NODE) continue;
    const std::string_view name = view(n->name);
    const char* why = always_dropped(name) ? "drop element" : hidden(n) ? "drop hidden" : nullptr;
    bool drop = why != nullptr;
    if (!drop && !one_of(name, {"body", "a", "article", "main", "p", "table", "tbody", "tr", "td",
                                "figure", "h1"})) {
      const std::string ci = class_id(n);
      if (ci.size() > 1 && unlikely(ci) && !maybe_candidate(ci) &&
          lower_ascii(attr(n, "itemprop")).find("articlebody") == std::string::npos) {
        if (holds_page_prose(n)) {
          ex.note("keep furniture class holding the page's prose", n);
        } else {
          drop = true, why = "drop furniture class";
        }
      }
      if (!drop && (lower_ascii(attr(n, "role")) == "navigation" ||
                    lower_ascii(attr(n, "role")) == "complementary" ||
                    lower_ascii(attr(n, "role")) == "dialog")) {
        drop = true, why = "drop furniture role";
      }
    }
    if (!drop && (iequals(name, "header") || iequals(name, "form"))) {
      // Page and article headers hold the title, byline and menus, forms hold search boxes and
      // sign-ups; one holding long prose is kept (some pages wrap everything in a form).
      drop = prose_bytes(n) < 400, why = "drop header or form without prose";
    }
    if (drop) {
      ex.note(why, n);
      doomed.push_back(n);
      continue;
    }
    for (xmlNode* c = n->last; c != nullptr; c = c->prev) stack.push_back(c);
  }
}

// ---- scoring -------------------------------------------------------------------------------

struct Scorer {
  StatsMap& stats;
  std::unordered_map<const xmlNode*, double> score;

  double& init(const xmlNode* n) {
    auto it = score.find(n);
    if (it != score.end()) return it->second;
    double s = class_weight(n);
    const std::string_view name = view(n->name);
    if (one_of(name, {"div", "article", "main", "section"})) s += 5;
    if (one_of(name, {"pre", "td", "blockquote"})) s += 3;
    if (one_of(name, {"address", "ol", "ul", "dl", "dd", "dt", "li", "form"})) s -= 3;
    if (one_of(name, {"h1", "h2", "h3", "h4", "h5", "h6", "th"})) s -= 5;
    if (iequals(name, "article")) s += 10;
    if (lower_ascii(attr(n, "itemprop")).find("articlebody") != std::string::npos) s += 40;
    return score.emplace(n, s).first->second;
  }

  static bool has_block_child(const xmlNode* n) {
    for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE &&
          one_of(view(c->name),
                 {"p", "div", "table", "ul", "ol", "dl", "blockquote", "pre", "section", "article",
                  "h1", "h2", "h3", "h4", "h5", "h6", "figure", "header"})) {
        return true;
      }
    }
    return false;
  }

  void add_block(xmlNode* parent, std::size_t chars, std::size_t commas, double weight) {
    if (chars < 25) return;
    const double add = weight * (1.0 + static_cast<double>(commas) +
                                 std::min(std::floor(static_cast<double>(chars) / 100.0), 3.0));
    xmlNode* a = parent;
    for (int level = 0; a != nullptr && a->type == XML_ELEMENT_NODE && level < 5;
         ++level, a = a->parent) {
      const double div = level == 0 ? 1.0 : level == 1 ? 2.0 : level * 3.0;
      init(a) += add / div;
    }
  }

  // Text written straight into a container between its blocks ("<div><h1/>Text<br>Text</div>")
  // scores as the paragraphs it reads as.
  void score_loose_text(xmlNode* n) {
    std::size_t chars = 0, commas = 0;
    for (xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        chars += text_chars(view(c->content), commas);
      } else if (c->type == XML_ELEMENT_NODE) {
        const std::string_view name = view(c->name);
        if (is_block_name(name) && !iequals(name, "br")) {
          add_block(n, chars, commas, 1.0);
          chars = commas = 0;
        } else if (!iequals(name, "br") && !iequals(name, "img")) {
          const Stats& s = stats[c];
          chars += s.chars;
          commas += s.commas;
        }
      }
    }
    add_block(n, chars, commas, 1.0);
  }

  void run(xmlNode* body) {
    std::vector<xmlNode*> stack{body};
    while (!stack.empty()) {
      xmlNode* n = stack.back();
      stack.pop_back();
      if (n->type != XML_ELEMENT_NODE) continue;
      const std::string_view name = view(n->name);
      const bool text_block =
          one_of(name, {"p", "pre", "td"}) || (one_of(name, {"div", "section", "span", "font"}) &&
                                               !has_block_child(n) && n->parent != nullptr);
      if (text_block) {
        const Stats& s = stats[n];
        if (s.chars >= 25) {
          double add = 1.0 + static_cast<double>(s.commas) +
                       std::min(std::floor(static_cast<double>(s.chars) / 100.0), 3.0);
          if (iequals(name, "span") || iequals(name, "font")) add *= 0.5;
          xmlNode* a = n->parent;
          for (int level = 0; a != nullptr && a->type == XML_ELEMENT_NODE && level < 5;
               ++level, a = a->parent) {
            const double div = level == 0 ? 1.0 : level == 1 ? 2.0 : level * 3.0;
            init(a) += add / div;
          }
        }
        if (!iequals(name, "div") && !iequals(name, "section")) continue;
      } else if (one_of(name, {"div", "section", "article", "main", "td", "body", "blockquote"})) {
        score_loose_text(n);
      }
      for (xmlNode* c = n->last; c != nullptr; c = c->prev) stack.push_back(c);
    }
    for (auto& [n, s] : score) s *= 1.0 - link_density(stats[n]);
  }

  double get(const xmlNode* n) const {
    auto it = score.find(n);
    return it == score.end() ? 0.0 : it->second;
  }
  bool has(const xmlNode* n) const { return score.count(n) != 0; }
};

// ---- output --------------------------------------------------------------------------------

struct Emitter {
  StatsMap& stats;
  Explain& ex;
  std::size_t max_paragraphs;
  StructuredDoc& doc;
  std::string cur;
  std::size_t root_chars = 0;  // text of all the article's parts
  bool lenient = false;        // drop only link-dense blocks
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t heading_at = kNone;      // the last subheading emitted
  std::vector<std::size_t> orphans{};  // subheadings followed by a dropped block

  bool heading_ends() const {
    return heading_at != kNone && heading_at + 1 == doc.paragraphs.size();
  }

  void flush() {
    std::string p = collapse_space(cur);
    cur.clear();
    if (!p.empty() && doc.paragraphs.size() < max_paragraphs) doc.paragraphs.push_back(p);
  }

  void figure(const xmlNode* n) {
    DocMedia m;
    m.type = "picture";
    const xmlNode* img = iequals(view(n->name), "img") ? n : descendant(n, "img", 12);
    if (img != nullptr) {
      m.uri = attr(img, "src");
      if (m.uri.empty() || m.uri.rfind("data:", 0) == 0) m.uri = attr(img, "data-src");
      if (m.uri.rfind("data:", 0) == 0) m.uri.clear();
    }
    if (const xmlNode* cap = descendant(n, "figcaption", 12)) {
      // A credit is an element whose class/id says so; the rest of the caption is the caption.
      std::vector<const xmlNode*> stack{cap};
      std::string caption;
      while (!stack.empty()) {
        const xmlNode* c = stack.back();
        stack.pop_back();
        for (const xmlNode* k = c->last; k != nullptr; k = k->prev) {
          if (k->type != XML_ELEMENT_NODE) continue;
          const std::string ci = class_id(k);
          if (has_word(ci, {"credit", "copyright", "source", "photographer"})) {
            if (m.credit.empty()) m.credit = text(k);
          }
        }
      }
      caption = text(cap);
      if (!m.credit.empty()) {
        const std::size_t at = caption.rfind(m.credit);
        if (at != std::string::npos) caption = collapse_space(caption.erase(at, m.credit.size()));
      }
      m.caption = caption;
    }
    if (m.caption.empty() && img != nullptr) m.caption = attr(img, "alt");
    if (!m.uri.empty() || !m.caption.empty()) doc.media.push_back(std::move(m));
  }

  // Readability's conditional cleaning: a list, table or div that reads like navigation.
  bool furniture(const xmlNode* n) {
    const std::string_view name = view(n->name);
    if (!one_of(name, {"ul", "ol", "table", "div", "section", "dl"})) return false;
    const Stats& s = stats[n];
    if (lenient) return link_density(s) > 0.5;
    const int weight = class_weight(n);
    if (weight < 0) return true;
    if (s.commas >= 10) return false;
    const double ld = link_density(s);
    const bool list = one_of(name, {"ul", "ol", "dl"});
    if (s.images > 1 && static_cast<double>(s.paragraphs) / static_cast<double>(s.images) < 0.5 &&
        s.chars < 200) {
      return true;
    }
    if (!list && s.items > s.paragraphs + 3 && ld > 0.3) return true;
    if (s.inputs > s.paragraphs / 3 + 1) return true;
    if (weight < 25 && ld > 0.2 + (list ? 0.15 : 0.0) && s.chars < 1500) return true;
    if (weight >= 25 && ld > 0.5) return true;
    if (!list && s.chars < 25 && (s.images == 0 || s.images > 2)) return true;
    return false;
  }

  // A block holding most of the chosen article's text is the article's own wrapper, whatever
  // its class says (page builders wrap every block in "widget" containers).
  bool holds_article(const xmlNode* n) {
    const Stats& s = stats[n];
    return root_chars > 0 && s.chars * 2 > root_chars && link_density(s) < 0.5;
  }

  void walk(const xmlNode* n, std::size_t depth) {
    if (depth > 600) return;
    for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        cur.append(view(c->content));
        continue;
      }
      if (c->type != XML_ELEMENT_NODE) continue;
      const std::string_view name = view(c->name);
      if (iequals(name, "figure")) {
        flush();
        figure(c);
        continue;
      }
      if (iequals(name, "img")) {
        continue;
      }
      if (iequals(name, "br")) {
        cur.push_back('\n');
        continue;
      }
      if (!is_block_name(name)) {
        walk(c, depth + 1);
        continue;
      }
      flush();
      if (furniture(c) && !holds_article(c)) {
        ex.note("drop link-dense or list-like block", c);
        if (heading_ends()) orphans.push_back(heading_at);
        continue;
      }
      if (one_of(name,
                 {"p", "li", "dd", "dt", "blockquote", "pre", "h2", "h3", "h4", "h5", "h6"})) {
        const Stats& s = stats[c];
        // A short paragraph that is mostly a link: "Read more: ...", a related headline.
        if (s.chars > 0 && link_density(s) > 0.6 && s.chars < 200) {
          ex.note("drop link paragraph", c);
          continue;
        }
      }
      if (iequals(name, "tr")) {
        for (const xmlNode* cell = c->children; cell != nullptr; cell = cell->next) {
          if (cell->type == XML_ELEMENT_NODE) cur += text(cell) + "  ";
        }
      } else {
        walk(c, depth + 1);
      }
      const std::size_t before = doc.paragraphs.size();
      flush();
      if (doc.paragraphs.size() > before && one_of(name, {"h2", "h3", "h4", "h5", "h6"})) {
        heading_at = doc.paragraphs.size() - 1;
      }
    }
  }

  // A subheading whose section was dropped as furniture ("More stories", "Read also") or that
  // ends the article introduces nothing of the story.
  void drop_orphan_headings() {
    if (heading_ends()) orphans.push_back(heading_at);
    std::sort(orphans.begin(), orphans.end());
    orphans.erase(std::unique(orphans.begin(), orphans.end()), orphans.end());
    for (auto it = orphans.rbegin(); it != orphans.rend(); ++it) {
      if (*it < doc.paragraphs.size()) doc.paragraphs.erase(doc.paragraphs.begin() + *it);
    }
    orphans.clear();
    heading_at = kNone;
  }
};

// ---- end-tag repair -----------------------------------------------------------------------

// libxml2's HTML parser ignores an end tag when a <div> opened inside the element is still open
// (a div outranks elements it does not know, such as <nav>, <header> or <article>), so one
// unclosed div in a menu swallows the rest of the page into that menu. Browsers close the div
// there. This pass tracks divs, sectioning elements and table parts over the raw tags and inserts
// the missing </div> before such an end tag, as a browser would imply it.
std::string balance_end_tags(std::string_view b) {
  enum Kind { kNone, kDiv, kSection, kTable };
  auto kind_of = [](std::string_view name) {
    if (name == "div") return kDiv;
    if (one_of(name,
               {"article", "aside", "footer", "header", "main", "nav", "section", "figure"})) {
      return kSection;
    }
    if (one_of(name, {"td", "th", "tr", "tbody", "thead", "tfoot", "table", "body", "html"})) {
      return kTable;
    }
    return kNone;
  };
  auto name_char = [](char c) { return alnum(c) || c == '-' || c == ':'; };
  std::vector<std::pair<std::string, Kind>> open;
  std::string out;
  std::size_t copied = 0, i = 0;
  const std::size_t n = b.size();
  while ((i = b.find('<', i)) != std::string_view::npos && i + 1 < n) {
    if (b.compare(i, 4, "<!--") == 0) {
      const std::size_t e = b.find("-->", i + 4);
      if (e == std::string_view::npos) break;
      i = e + 3;
      continue;
    }
    if (b[i + 1] == '!' || b[i + 1] == '?') {
      const std::size_t e = b.find('>', i + 2);
      if (e == std::string_view::npos) break;
      i = e + 1;
      continue;
    }
    const bool end = b[i + 1] == '/';
    const std::size_t at = i;
    std::size_t j = i + (end ? 2 : 1);
    const std::size_t name_start = j;
    while (j < n && name_char(b[j])) ++j;
    if (j == name_start || !std::isalpha(static_cast<unsigned char>(b[name_start]))) {
      i = at + 1;
      continue;
    }
    const std::string name = lower_ascii(b.substr(name_start, j - name_start));
    // The rest of the tag, skipping quoted attribute values.
    bool self_closing = false;
    while (j < n && b[j] != '>') {
      if (b[j] == '=') {
        ++j;
        while (j < n && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r')) ++j;
        if (j < n && (b[j] == '"' || b[j] == '\'')) {
          const std::size_t q = b.find(b[j], j + 1);
          if (q == std::string_view::npos) return std::string(b);
          j = q + 1;
        }
        continue;
      }
      self_closing = b[j] == '/';
      ++j;
    }
    if (j >= n) break;
    i = j + 1;
    if (!end && (name == "script" || name == "style")) {
      // Raw text up to the matching end tag.
      const std::string close = "</" + name;
      std::size_t e = i;
      for (; e + close.size() <= n; ++e) {
        if (b[e] == '<' && iequals(b.substr(e, close.size()), close)) break;
      }
      i = e;
      continue;
    }
    const Kind kind = kind_of(name);
    if (kind == kNone) continue;
    if (!end) {
      if (!self_closing) open.emplace_back(name, kind);
      continue;
    }
    std::size_t k = open.size();
    while (k > 0 && open[k - 1].first != name) --k;
    if (k == 0) continue;  // a stray end tag: the parser ignores it too
    std::size_t divs = 0;
    if (kind == kSection) {
      for (std::size_t m = k; m < open.size(); ++m) divs += open[m].second == kDiv ? 1 : 0;
    }
    open.resize(k - 1);
    if (divs == 0) continue;
    out.append(b.substr(copied, at - copied));
    for (std::size_t m = 0; m < divs; ++m) out += "</div>";
    copied = at;
  }
  if (copied == 0) return std::string(b);
  out.append(b.substr(copied));
  return out;
}

std::size_t count_nodes(const xmlNode* top, std::size_t limit, std::size_t max_depth,
                        bool& too_deep) {
  std::size_t count = 0, depth = 0;
  const xmlNode* cur = top;
  while (cur != nullptr) {
    if (++count > limit) return count;
    if (depth > max_depth) {
      too_deep = true;
      return count;
    }
    if (cur->children != nullptr && cur->type == XML_ELEMENT_NODE) {
      cur = cur->children;
      ++depth;
      continue;
    }
    while (cur != nullptr && cur != top && cur->next == nullptr) {
      cur = cur->parent;
      --depth;
    }
    if (cur == nullptr || cur == top) break;
    cur = cur->next;
  }
  return count;
}

}  // namespace

FormatResult decode_html(std::string_view bytes, const FormatLimits& limits,
                         std::vector<std::string>* explain) {
  xmlSetGenericErrorFunc(nullptr, silent);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    return FormatError{DocFormat::kHtml, false, "page too large"};
  }
  const std::string charset = limits.xml_utf8 ? std::string("UTF-8") : html_charset(bytes);
  // Tags are ASCII in every charset but UTF-16, which is parsed as it comes.
  std::string balanced;
  if (charset.rfind("UTF-16", 0) != 0) {
    balanced = balance_end_tags(bytes);
    if (balanced.size() <= static_cast<std::size_t>(INT32_MAX)) bytes = balanced;
  }
  std::unique_ptr<htmlParserCtxt, HtmlCtxtFree> ctxt(htmlNewParserCtxt());
  if (!ctxt) return FormatError{DocFormat::kHtml, false, "out of memory"};
  const int opts = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                   HTML_PARSE_NOWARNING | HTML_PARSE_NOIMPLIED | HTML_PARSE_COMPACT;
  XmlDoc parsed(htmlCtxtReadMemory(ctxt.get(), bytes.data(), static_cast<int>(bytes.size()),
                                   nullptr, charset.c_str(), opts));
  if (!parsed || xmlDocGetRootElement(parsed.get()) == nullptr) {
    return FormatError{DocFormat::kHtml, false, "the page has no HTML elements"};
  }
  // Output printed ahead of the page (server warnings, stray scripts or meta tags) leaves the
  // page's <html> or <body> as a later top-level element: the page is that element, and its
  // metadata may sit in any of them.
  xmlNode* top = xmlDocGetRootElement(parsed.get());
  xmlNode* stray_body = nullptr;
  const HtmlLimits hl;
  bool too_deep = false;
  std::size_t nodes = 0;
  for (xmlNode* t = top; t != nullptr; t = t->next) {
    if (t->type != XML_ELEMENT_NODE) continue;
    nodes += count_nodes(t, hl.max_nodes, hl.max_depth, too_deep);
    if (nodes > hl.max_nodes || too_deep) break;
    if (iequals(view(t->name), "html") && !iequals(view(top->name), "html")) top = t;
    if (iequals(view(t->name), "body") && stray_body == nullptr) stray_body = t;
  }
  if (nodes > hl.max_nodes) {
    return FormatError{DocFormat::kHtml, false,
                       "more than " + std::to_string(hl.max_nodes) + " nodes: refused"};
  }
  if (too_deep) {
    return FormatError{DocFormat::kHtml, false,
                       "elements nested deeper than " + std::to_string(hl.max_depth) + " levels"};
  }

  StructuredDoc doc;
  doc.format = DocFormat::kHtml;
  Meta m;
  read_meta(top, m);
  for (xmlNode* t = xmlDocGetRootElement(parsed.get()); t != nullptr; t = t->next) {
    if (t != top && t->type == XML_ELEMENT_NODE) read_meta(t, m);
  }

  xmlNode* body = nullptr;
  for (xmlNode* c = top->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && iequals(view(c->name), "body")) body = c;
  }
  if (body == nullptr) body = stray_body != nullptr ? stray_body : top;

  Explain ex{explain};
  std::vector<xmlNode*> doomed;
  strip(body, doomed, ex);
  for (xmlNode* n : doomed) {
    xmlUnlinkNode(n);
    xmlFreeNode(n);
  }

  StatsMap stats;
  compute_stats(body, stats);
  Scorer scorer{stats, {}};
  scorer.run(body);

  const xmlNode* best = nullptr;
  double best_score = 0;
  for (const auto& [n, s] : scorer.score) {
    if (best == nullptr || s > best_score) {
      best = n;
      best_score = s;
    }
  }
  if (best == nullptr) best = body;
  // Climb while an ancestor scores at least as well (the story is split over sibling blocks).
  {
    double last = best_score;
    const double floor = last / 3.0;
    for (const xmlNode* p = best->parent; p != nullptr && p != body && p->type == XML_ELEMENT_NODE;
         p = p->parent) {
      if (!scorer.has(p)) continue;
      const double s = scorer.get(p);
      if (s < floor) break;
      if (s > last) {
        best = p;
        break;
      }
      last = s;
    }
    while (best != body && best->parent != nullptr && best->parent != body &&
           best->parent->type == XML_ELEMENT_NODE) {
      std::size_t elems = 0;
      for (const xmlNode* c = best->parent->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) ++elems;
      }
      if (elems != 1) break;
      best = best->parent;
    }
  }
  best_score = scorer.get(best);
  ex.note("best candidate", best);

  // The article: the best block plus siblings that score close to it or read as prose.
  std::vector<const xmlNode*> parts;
  if (best->parent != nullptr && best != body) {
    const double threshold = std::max(10.0, best_score * 0.2);
    const std::string best_class = attr(best, "class");
    for (const xmlNode* s = best->parent->children; s != nullptr; s = s->next) {
      if (s->type != XML_ELEMENT_NODE) continue;
      if (s == best) {
        parts.push_back(s);
        continue;
      }
      double bonus = 0;
      if (!best_class.empty() && attr(s, "class") == best_class) bonus = best_score * 0.2;
      bool keep = scorer.has(s) && scorer.get(s) + bonus >= threshold;
      if (!keep && iequals(view(s->name), "p")) {
        const Stats& st = stats[s];
        const double ld = link_density(st);
        const std::string t = text(s);
        if (st.chars > 80 && ld < 0.25) keep = true;
        if (st.chars > 0 && st.chars <= 80 && ld == 0 && t.find(". ") != std::string::npos) {
          keep = true;
        }
      }
      if (keep) {
        parts.push_back(s);
      } else {
        ex.note("drop sibling", s);
      }
    }
  } else {
    parts.push_back(best);
  }

  Emitter em{stats, ex, limits.max_paragraphs, doc, {}};
  for (const xmlNode* p : parts) em.root_chars += stats[p].chars;
  auto emit = [&] {
    for (const xmlNode* p : parts) {
      if (is_block_name(view(p->name)) && em.furniture(p) && p != best) continue;
      if (iequals(view(p->name), "p")) {
        em.cur += text(p);
        em.flush();
      } else {
        em.walk(p, 0);
        em.flush();
      }
    }
  };
  emit();
  // As readability retries with fewer filters: when cleaning left little of a candidate that
  // holds much more text, the conditional cleaning misread the article's own blocks; emit again
  // dropping only link-dense blocks.
  std::size_t kept = 0;
  for (const std::string& p : doc.paragraphs) {
    std::size_t commas = 0;
    kept += text_chars(p, commas);
  }
  if (kept < 500 && em.root_chars >= 2 * kept + 500) {
    ex.note("little text kept: emit again with lenient cleaning", best);
    doc.paragraphs.clear();
    doc.media.clear();
    em.lenient = true;
    em.orphans.clear();
    em.heading_at = Emitter::kNone;
    emit();
  }
  em.drop_orphan_headings();
  if (explain != nullptr) {
    for (const std::string& p : doc.paragraphs) {
      if (explain->size() > 4000) break;
      // Paragraphs are repaired to valid UTF-8 only below; the quoted prefix is repaired here.
      explain->push_back("keep: " + text::valid_utf8(text::utf8_prefix(p, 100)));
    }
  }

  // Metadata: what the page declares, falling back to the document.
  doc.headline = !m.jsonld_headline.empty() ? m.jsonld_headline
                 : !m.og_title.empty()      ? m.og_title
                 : !m.h1.empty()            ? m.h1
                                            : m.title;
  doc.headline = collapse_space(doc.headline);
  // The headline, title or h1 repeated at the top of the body is not body text.
  while (!doc.paragraphs.empty() &&
         (doc.paragraphs.front() == doc.headline || doc.paragraphs.front() == m.h1 ||
          doc.paragraphs.front() == collapse_space(m.title))) {
    doc.paragraphs.erase(doc.paragraphs.begin());
  }
  const std::string author = !m.jsonld_author.empty() ? m.jsonld_author : m.author;
  if (!author.empty()) doc.byline = author;
  doc.first_created = normalize_datetime(m.published);
  doc.version_created = normalize_datetime(m.modified);
  if (doc.version_created.empty()) doc.version_created = doc.first_created;
  doc.language = m.language;
  doc.canonical_url = !m.canonical.empty() ? m.canonical : m.og_url;
  doc.section = m.section;
  doc.description = collapse_space(m.description);
  doc.provider = m.site_name;
  for (std::string* s : {&doc.headline, &doc.byline, &doc.language, &doc.canonical_url,
                         &doc.section, &doc.description, &doc.provider}) {
    *s = text::valid_utf8(*s);
    if (s->size() > 2000) s->resize(2000);
    *s = text::valid_utf8(*s);
  }
  for (std::string& p : doc.paragraphs) p = text::valid_utf8(p);
  for (DocMedia& md : doc.media) {
    md.caption = text::valid_utf8(md.caption);
    md.credit = text::valid_utf8(md.credit);
    md.uri = text::valid_utf8(md.uri);
  }
  if (doc.paragraphs.empty() && doc.headline.empty()) {
    return FormatError{DocFormat::kHtml, false, "no article text found in the page"};
  }
  return doc;
}

}  // namespace wirefeed::pipeline::formats
