// Page chrome by shape. See chrome_shape.hpp for the contract.
#include "pipeline/clean/chrome_shape.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace wirefeed::pipeline {
namespace {

using std::string_view;

enum class WordClass : uint8_t {
  kUnknown,
  kInterface,  // verbs and nouns of page furniture
  kFiller,     // function words, pronouns, generic page nouns: chrome only next to interface
  kReader,     // filler that addresses the reader: you, your, us, our (vous, uns, nuestro ...)
  kPage,       // filler that names the page: story, article, news, page, site
  kMedium,     // image, photo, video: interface words that also open a gallery counter
  kNetwork,    // social networks
  kLabel,      // topic labels: "Topics:", "Tags:"
  kDuration,   // min, minutes, hours: only after a figure
  kOf,         // the "of" of "2 of 5" in each language
};

struct VocabWord {
  string_view word;  // lower case (ASCII and Latin-1 letters folded)
  WordClass cls;
};

constexpr WordClass I = WordClass::kInterface;
constexpr WordClass F = WordClass::kFiller;
constexpr WordClass R = WordClass::kReader;
constexpr WordClass P = WordClass::kPage;
constexpr WordClass M = WordClass::kMedium;
constexpr WordClass N = WordClass::kNetwork;
constexpr WordClass L = WordClass::kLabel;
constexpr WordClass D = WordClass::kDuration;

// clang-format off
constexpr auto kVocab = [] {
  auto v = std::to_array<VocabWord>({
    // English: interface verbs and nouns
    {"share", I}, {"sharing", I}, {"subscribe", I}, {"subscription", I}, {"subscriptions", I},
    {"subscriber", I}, {"subscribers", I}, {"unsubscribe", I}, {"follow", I}, {"sign", I},
    {"signup", I}, {"login", I}, {"logout", I}, {"log", I}, {"register", I}, {"listen", I},
    {"watch", I}, {"read", I}, {"reading", I}, {"skip", I}, {"print", I}, {"email", I},
    {"e-mail", I}, {"newsletter", I}, {"newsletters", I}, {"save", I}, {"bookmark", I},
    {"comment", I}, {"comments", I}, {"show", I}, {"hide", I}, {"load", I}, {"view", I},
    {"click", I}, {"tap", I}, {"download", I}, {"install", I}, {"app", I}, {"apps", I},
    {"join", I}, {"contact", I}, {"feedback", I}, {"correction", I}, {"corrections", I},
    {"error", I}, {"typo", I}, {"close", I}, {"expand", I}, {"collapse", I}, {"copy", I},
    {"link", I}, {"links", I}, {"permalink", I}, {"tweet", I}, {"donate", I}, {"explore", I},
    {"browse", I}, {"continue", I}, {"jump", I}, {"menu", I}, {"navigation", I},
    {"search", I}, {"home", I}, {"homepage", I}, {"account", I}, {"profile", I},
    {"settings", I}, {"preferences", I}, {"privacy", I}, {"cookie", I}, {"cookies", I},
    {"consent", I}, {"accept", I}, {"reject", I}, {"manage", I}, {"advertisement", I},
    {"advertisements", I}, {"advert", I}, {"ad", I}, {"ads", I}, {"advertising", I},
    {"sponsored", I}, {"sponsor", I}, {"promoted", I}, {"content", I}, {"podcast", I},
    {"podcasts", I}, {"slideshow", I}, {"audio", I}, {"play", I}, {"replay", I},
    {"trending", I}, {"popular", I}, {"recommended", I}, {"related", I}, {"latest", I},
    {"notifications", I}, {"alerts", I}, {"feed", I}, {"rss", I}, {"premium", I},
    {"paywall", I}, {"unlock", I}, {"enlarge", I}, {"zoom", I}, {"fullscreen", I},
    {"scroll", I}, {"swipe", I}, {"terms", I}, {"policy", I}, {"sitemap", I}, {"faq", I},
    {"viewed", I}, {"shared", I}, {"commented", I}, {"picks", I}, {"previous", I},
    {"updated", I}, {"published", I}, {"opens", I}, {"tab", I}, {"window", I},
    {"reply", I}, {"replies", I}, {"discussion", I}, {"inbox", I},
    // English: filler
    {"a", F}, {"an", F}, {"the", F}, {"this", F}, {"that", F}, {"to", F}, {"on", F},
    {"in", F}, {"at", F}, {"for", F}, {"by", F}, {"with", F}, {"from", F}, {"and", F},
    {"or", F}, {"up", F}, {"out", F}, {"off", F}, {"here", F}, {"now", F}, {"us", R},
    {"our", R}, {"your", R}, {"you", R}, {"me", R}, {"my", R}, {"it", F}, {"all", F},
    {"more", F}, {"most", F}, {"full", F}, {"main", F}, {"next", F}, {"top", F},
    {"back", F}, {"new", F}, {"free", F}, {"also", F}, {"via", F}, {"page", P},
    {"article", P}, {"articles", P}, {"story", P}, {"stories", P}, {"news", P},
    {"site", P}, {"website", P}, {"below", F}, {"above", F}, {"ago", F}, {"options", F},
    {"of", F}, {"de", F}, {"von", F}, {"van", F}, {"s", F}, {"editor", F}, {"editors", F}, {"time", F}, {"about", F},
    {"later", F}, {"use", F}, {"get", F}, {"might", F}, {"may", F}, {"like", F},
    {"updates", F}, {"personal", F}, {"information", F}, {"do", F}, {"not", F}, {"have", F},
    {"got", F}, {"text", F},
    {"live", I}, {"suggested", I}, {"gift", I}, {"add", I}, {"keep", I}, {"send", I},
    {"see", I}, {"breaking", I}, {"sections", I}, {"section", I},
    {"choices", I}, {"paid", I}, {"partner", I}, {"continues", I}, {"conversation", I},
    {"tip", I}, {"tips", I}, {"write", I}, {"caption", I}, {"credit", I}, {"toggle", I},
    {"open", I}, {"size", I}, {"font", I}, {"google", N},
    // French
    {"partager", I}, {"partagez", I}, {"abonnez", I}, {"abonner", I}, {"abonnement", I},
    {"suivez", I}, {"suivre", I}, {"lire", I}, {"lisez", I}, {"\xC3\xA9" "couter", I},
    {"\xC3\xA9" "coutez", I}, {"regarder", I}, {"imprimer", I}, {"commentaires", I},
    {"commentaire", I}, {"publicit\xC3\xA9", I}, {"sponsoris\xC3\xA9", I}, {"contenu", I},
    {"inscrivez", I}, {"inscription", I}, {"connexion", I}, {"lecture", I}, {"voir", I},
    {"accueil", I}, {"param\xC3\xA8tres", I}, {"fermer", I}, {"t\xC3\xA9l\xC3\xA9" "charger", I},
    {"lus", I}, {"partenaire", I},
    {"la", F}, {"le", F}, {"les", F}, {"l", F}, {"d", F}, {"du", F}, {"des", F}, {"sur", F},
    {"nous", R}, {"notre", R}, {"vos", R}, {"votre", R}, {"vous", R}, {"en", F}, {"et", F},
    {"ou", F}, {"pour", F}, {"ce", F}, {"cet", F}, {"cette", F}, {"plus", F}, {"aussi", F},
    {"temps", F}, {"\xC3\xA0", F},
    // German
    {"teilen", I}, {"folgen", I}, {"folgt", I}, {"abonnieren", I}, {"anmelden", I},
    {"registrieren", I}, {"lesen", I}, {"weiterlesen", I}, {"vorlesen", I}, {"anh\xC3\xB6ren", I},
    {"h\xC3\xB6ren", I}, {"ansehen", I}, {"drucken", I}, {"kommentare", I}, {"kommentar", I},
    {"anzeige", I}, {"werbung", I}, {"gesponsert", I}, {"inhalt", I}, {"inhalte", I},
    {"einstellungen", I}, {"datenschutz", I}, {"schlie\xC3\x9F" "en", I}, {"startseite", I},
    {"meistgelesen", I}, {"lesezeit", I},
    {"uns", R}, {"auf", F}, {"bei", F}, {"zum", F}, {"zur", F}, {"zu", F}, {"der", F},
    {"die", F}, {"das", F}, {"den", F}, {"dem", F}, {"und", F}, {"oder", F},
    {"f\xC3\xBCr", F}, {"mit", F}, {"im", F}, {"hier", F}, {"jetzt", F}, {"alle", F},
    {"artikel", P}, {"mehr", F}, {"weitere", F}, {"sie", F}, {"auch", F},
    // Spanish
    {"compartir", I}, {"comparte", I}, {"s\xC3\xAD" "guenos", I}, {"seguir", I}, {"sigue", I},
    {"suscr\xC3\xAD" "bete", I}, {"suscribirse", I}, {"suscripci\xC3\xB3n", I}, {"leer", I},
    {"lee", I}, {"escuchar", I}, {"escucha", I}, {"ver", I}, {"imprimir", I},
    {"comentarios", I}, {"comentario", I}, {"publicidad", I}, {"patrocinado", I},
    {"contenido", I}, {"bolet\xC3\xAD" "n", I}, {"configuraci\xC3\xB3n", I}, {"lectura", I},
    {"inicio", I}, {"cerrar", I}, {"descargar", I}, {"reg\xC3\xAD" "strate", I},
    {"le\xC3\xAD" "das", I}, {"le\xC3\xAD" "do", I}, {"relacionados", I}, {"relacionadas", I},
    {"el", F}, {"los", F}, {"las", F}, {"del", F}, {"y", F}, {"o", F}, {"para", F},
    {"por", F}, {"nuestro", R}, {"nuestros", R}, {"nos", F}, {"aqu\xC3\xAD", F},
    {"m\xC3\xA1s", F}, {"tiempo", F}, {"noticias", P},
    // Italian
    {"condividi", I}, {"condividere", I}, {"seguici", I}, {"segui", I}, {"iscriviti", I},
    {"abbonati", I}, {"abbonamento", I}, {"leggi", I}, {"leggere", I}, {"ascolta", I},
    {"guarda", I}, {"commenti", I}, {"commento", I}, {"pubblicit\xC3\xA0", I},
    {"sponsorizzato", I}, {"contenuto", I}, {"contenuti", I}, {"accedi", I},
    {"registrati", I}, {"chiudi", I}, {"impostazioni", I}, {"letti", I},
    {"il", F}, {"lo", F}, {"i", F}, {"gli", F}, {"e", F}, {"per", F}, {"su", F},
    {"ci", F}, {"anche", F}, {"pi\xC3\xB9", F}, {"della", F}, {"di", F}, {"alla", F}, {"al", F},
    {"alle", F}, {"nel", F}, {"nella", F}, {"sul", F},
    // Portuguese
    {"compartilhar", I}, {"compartilhe", I}, {"partilhar", I}, {"siga", I}, {"assine", I},
    {"assinar", I}, {"inscreva", I}, {"leia", I}, {"ler", I}, {"ouvir", I},
    {"ou\xC3\xA7" "a", I}, {"assista", I}, {"coment\xC3\xA1rios", I}, {"publicidade", I},
    {"conte\xC3\xBA" "do", I}, {"leitura", I}, {"lidas", I}, {"entrar", I}, {"fechar", I},
    {"baixe", I},
    {"do", F}, {"da", F}, {"dos", F}, {"das", F}, {"as", F}, {"os", F}, {"no", F},
    {"na", F}, {"em", F}, {"nosso", R}, {"mais", F}, {"tempo", F}, {"tamb\xC3\xA9m", F},
    // Dutch
    {"delen", I}, {"deel", I}, {"volg", I}, {"volgen", I}, {"abonneer", I},
    {"abonneren", I}, {"aanmelden", I}, {"inloggen", I}, {"lees", I}, {"lezen", I},
    {"luister", I}, {"luisteren", I}, {"bekijk", I}, {"afdrukken", I}, {"reacties", I},
    {"advertentie", I}, {"gesponsord", I}, {"inhoud", I}, {"nieuwsbrief", I},
    {"instellingen", I}, {"leestijd", I}, {"sluiten", I}, {"gelezen", I},
    {"het", F}, {"een", F}, {"op", F}, {"voor", F}, {"met", F}, {"ons", R}, {"onze", R},
    {"meer", F}, {"ook", F}, {"dit", F}, {"deze", F},
    // Media (every language)
    {"image", M}, {"images", M}, {"photo", M}, {"photos", M}, {"picture", M},
    {"pictures", M}, {"video", M}, {"videos", M}, {"gallery", M}, {"slide", M},
    {"vid\xC3\xA9" "o", M}, {"vid\xC3\xA9" "os", M}, {"diaporama", M}, {"galerie", M},
    {"bild", M}, {"bilder", M}, {"foto", M}, {"fotos", M}, {"imagen", M},
    {"im\xC3\xA1genes", M}, {"v\xC3\xAD" "deo", M}, {"galer\xC3\xAD" "a", M}, {"immagine", M},
    {"immagini", M}, {"galleria", M}, {"imagem", M}, {"galeria", M}, {"afbeelding", M},
    // Social networks
    {"x", N}, {"twitter", N}, {"facebook", N}, {"instagram", N}, {"linkedin", N},
    {"whatsapp", N}, {"youtube", N}, {"telegram", N}, {"tiktok", N}, {"threads", N},
    {"bluesky", N}, {"mastodon", N}, {"reddit", N}, {"pinterest", N}, {"flipboard", N},
    {"snapchat", N},
    // Topic labels
    {"topics", L}, {"topic", L}, {"tags", L}, {"tag", L}, {"filed", L}, {"categories", L},
    {"category", L}, {"keywords", L}, {"themen", L}, {"thema", L}, {"schlagworte", L},
    {"sujets", L}, {"th\xC3\xA8mes", L}, {"temas", L}, {"tema", L}, {"etiquetas", L},
    {"argomenti", L}, {"t\xC3\xB3picos", L}, {"assuntos", L}, {"onderwerpen", L},
    {"trefwoorden", L}, {"under", F},
    // Durations
    {"min", D}, {"mins", D}, {"minute", D}, {"minutes", D}, {"minuten", D}, {"minutos", D},
    {"minuti", D}, {"minuto", D}, {"minut", D}, {"hour", D}, {"hours", D}, {"hr", D},
    {"hrs", D}, {"sec", D}, {"seconds", D}, {"stunden", D}, {"heures", D}, {"horas", D},
    {"ore", D}, {"uur", D},
  });
  std::ranges::sort(v, {}, &VocabWord::word);
  return v;
}();
// clang-format on

// Connectors of a gallery counter: "2 of 5", "2 von 5", "2 de 5", "2 di 5", "2 sur 5", "2 van 5".
constexpr auto kOfWords = std::to_array<string_view>({"of", "von", "de", "di", "sur", "van"});

// A word of at most 16 bytes packed into two integers (bytes little-endian, zero-padded; words
// hold no NUL byte), so a lookup is a binary search over integer pairs, no string compares.
struct PackedWord {
  uint64_t lo = 0;
  uint64_t hi = 0;
  constexpr auto operator<=>(const PackedWord&) const = default;
};

constexpr PackedWord pack(string_view w) {
  PackedWord p;
  for (std::size_t i = 0; i < w.size() && i < 16; ++i) {
    const uint64_t b = static_cast<unsigned char>(w[i]);
    if (i < 8) {
      p.lo |= b << (8 * i);
    } else {
      p.hi |= b << (8 * (i - 8));
    }
  }
  return p;
}

struct PackedVocab {
  PackedWord key;
  WordClass cls;
};

constexpr auto kPackedVocab = [] {
  std::array<PackedVocab, kVocab.size()> t{};
  for (std::size_t i = 0; i < kVocab.size(); ++i) t[i] = {pack(kVocab[i].word), kVocab[i].cls};
  std::ranges::sort(t, {}, &PackedVocab::key);
  return t;
}();
static_assert(std::ranges::all_of(kVocab, [](const VocabWord& v) { return v.word.size() <= 16; }),
              "vocabulary words are packed into 16 bytes");

// Open-addressing hash over the packed words: one or two probes instead of a binary search of
// ~10 steps (the lookup runs for every word of every short standalone line). Slots hold an index
// into kPackedVocab plus one; a word listed twice keeps its first entry in sorted order.
constexpr std::size_t kVocabSlots = 2048;
static_assert(kVocabSlots >= 2 * kPackedVocab.size(), "load factor at most one half");

constexpr std::size_t vocab_slot(const PackedWord& w) {
  const uint64_t h = (w.lo * 0x9E3779B97F4A7C15ULL) ^ (w.hi * 0xC2B2AE3D27D4EB4FULL);
  return static_cast<std::size_t>((h ^ (h >> 29)) >> 53);  // top 11 bits: kVocabSlots
}
static_assert(kVocabSlots == std::size_t{1} << 11, "vocab_slot keeps 11 bits");

constexpr auto kVocabTable = [] {
  std::array<uint16_t, kVocabSlots> t{};
  for (std::size_t i = 0; i < kPackedVocab.size(); ++i) {
    std::size_t s = vocab_slot(kPackedVocab[i].key);
    bool present = false;
    while (t[s] != 0) {
      if (kPackedVocab[t[s] - 1].key == kPackedVocab[i].key) present = true;
      s = (s + 1) & (kVocabSlots - 1);
    }
    if (!present) t[s] = static_cast<uint16_t>(i + 1);
  }
  return t;
}();

WordClass classify(string_view lowered) {
  if (lowered.empty() || lowered.size() > 16) return WordClass::kUnknown;
  const PackedWord key = pack(lowered);
  for (std::size_t s = vocab_slot(key);; s = (s + 1) & (kVocabSlots - 1)) {
    const uint16_t e = kVocabTable[s];
    if (e == 0) return WordClass::kUnknown;
    if (kPackedVocab[e - 1].key == key) return kPackedVocab[e - 1].cls;
  }
}

constexpr bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What one pass over a line's bytes tells the tests below: a separator of a breadcrumb or label
// ('|', '>', ':', and 0xE2 / 0xC2, the lead bytes of › » • ·), or a byte that may open a
// quotation mark ('"', and 0xE2 / 0xC2 for “ ” „ « »).
constexpr uint8_t kListSepByte = 1;
constexpr uint8_t kQuoteByte = 2;
constexpr auto kByteFlags = [] {
  std::array<uint8_t, 256> t{};
  for (const unsigned char c : {'|', '>', ':'}) t[c] |= kListSepByte;
  t['"'] |= kQuoteByte;
  for (const unsigned char c : {0xE2, 0xC2}) t[c] |= kListSepByte | kQuoteByte;
  return t;
}();

uint8_t byte_flags(string_view line) {
  uint8_t f = 0;
  for (const char c : line) f |= kByteFlags[static_cast<unsigned char>(c)];
  return f;
}

enum class TokenKind : uint8_t { kWord, kNumber, kHandle, kSeparator };

// Filled by tokenize (no default initialisers: a line's token array is not zeroed first).
struct Token {
  TokenKind kind;
  string_view text;
  std::array<char, 24> lowered;  // kWord: folded text (empty when longer)
  uint8_t lowered_len;
  bool capital;
  uint32_t number;
  char sep;  // kSeparator: its first byte
  string_view folded() const { return {lowered.data(), lowered_len}; }
};

constexpr std::size_t kMaxTokens = 24;

// Word bytes: ASCII letters, apostrophe inside a word is a break (French elision), every
// non-ASCII byte except the punctuation marks handled by the caller.
bool is_word_byte(string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (is_ascii_letter(static_cast<char>(c))) return true;
  if (c < 0x80) return false;
  // U+00B7 middle dot, U+2022 bullet, U+203A/U+00BB guillemets, U+2019 apostrophe and the
  // general-punctuation block (E2 80 xx) are separators.
  if (c == 0xC2) return false;
  if (c == 0xE2) return false;
  if (c >= 0x80 && c < 0xC0) {  // continuation: belongs to the lead before it
    std::size_t j = i;
    while (j > 0 && static_cast<unsigned char>(s[j]) >= 0x80 &&
           static_cast<unsigned char>(s[j]) < 0xC0) {
      --j;
    }
    const auto lead = static_cast<unsigned char>(s[j]);
    return lead != 0xC2 && lead != 0xE2;
  }
  return true;
}

void fold_into(Token& t) {
  const string_view w = t.text;
  if (w.size() > t.lowered.size()) {
    t.lowered_len = 0;
    return;
  }
  for (std::size_t i = 0; i < w.size(); ++i) {
    char c = w[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    // Latin-1 capitals C3 80..9E (not the multiplication sign) -> small letters.
    if (i > 0 && static_cast<unsigned char>(w[i - 1]) == 0xC3) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x80 && u <= 0x9E && u != 0x97) c = static_cast<char>(u + 0x20);
    }
    t.lowered[i] = c;
  }
  t.lowered_len = static_cast<uint8_t>(w.size());
  const char first = w[0];
  t.capital = (first >= 'A' && first <= 'Z') ||
              (w.size() >= 2 && static_cast<unsigned char>(first) == 0xC3 &&
               static_cast<unsigned char>(w[1]) <= 0x9E);
}

// Splits `s` into at most kMaxTokens tokens; false when it holds more.
bool tokenize(string_view s, std::array<Token, kMaxTokens>& out, std::size_t& n) {
  n = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    if (n == kMaxTokens) return false;
    Token& t = out[n++];
    t.kind = TokenKind::kSeparator;
    t.lowered_len = 0;
    t.capital = false;
    t.number = 0;
    t.sep = 0;
    const std::size_t b = i;
    if (is_digit(c)) {
      uint64_t v = 0;
      while (i < s.size() && (is_digit(s[i]) || ((s[i] == ',' || s[i] == '.') && i + 1 < s.size() &&
                                                 is_digit(s[i + 1])))) {
        if (is_digit(s[i]) && v < 1000000) v = v * 10 + static_cast<uint64_t>(s[i] - '0');
        ++i;
      }
      t.kind = TokenKind::kNumber;
      t.number = static_cast<uint32_t>(v);
    } else if (c == '@' && i + 1 < s.size() &&
               (is_ascii_letter(s[i + 1]) || is_digit(s[i + 1]) || s[i + 1] == '_')) {
      ++i;
      while (i < s.size() && (is_ascii_letter(s[i]) || is_digit(s[i]) || s[i] == '_')) ++i;
      t.kind = TokenKind::kHandle;
    } else if (is_word_byte(s, i)) {
      while (i < s.size() && (is_word_byte(s, i) ||
                              (s[i] == '-' && i + 1 < s.size() && is_ascii_letter(s[i + 1]) &&
                               i > b && string_view(s.data() + b, i - b) == "e"))) {  // "e-mail"
        ++i;
      }
      t.kind = TokenKind::kWord;
    } else {
      // One separator character (a whole UTF-8 sequence).
      const auto u = static_cast<unsigned char>(c);
      const std::size_t len = u < 0x80 ? 1 : u < 0xE0 ? 2 : u < 0xF0 ? 3 : 4;
      i = std::min(s.size(), i + len);
      t.kind = TokenKind::kSeparator;
      t.sep = c;
    }
    t.text = s.substr(b, i - b);
    if (t.kind == TokenKind::kWord) fold_into(t);
  }
  return true;
}

bool is_quote_or_sentence_end(string_view t, uint8_t flags) {
  for (std::size_t i = 0; (flags & kQuoteByte) != 0 && i < t.size(); ++i) {
    if (t[i] == '"') return true;
    // “ ” „ (E2 80 9C/9D/9E) and « » (C2 AB/BB) are quotation marks.
    if (static_cast<unsigned char>(t[i]) == 0xE2 && i + 2 < t.size() &&
        static_cast<unsigned char>(t[i + 1]) == 0x80) {
      const auto u = static_cast<unsigned char>(t[i + 2]);
      if (u == 0x9C || u == 0x9D || u == 0x9E) return true;
    }
    if (static_cast<unsigned char>(t[i]) == 0xC2 && i + 1 < t.size() &&
        (static_cast<unsigned char>(t[i + 1]) == 0xAB ||
         static_cast<unsigned char>(t[i + 1]) == 0xBB)) {
      // A guillemet closing a breadcrumb step ("Home » World") is not a quotation: it must
      // stand alone between blanks.
      const bool alone = i > 0 && t[i - 1] == ' ' && i + 2 < t.size() && t[i + 2] == ' ';
      if (!alone) return true;
    }
  }
  const char last = t.back();
  return last == '!' || last == ',' || last == ';';
}

bool is_of(string_view w) { return std::ranges::find(kOfWords, w) != kOfWords.end(); }

// "Image 1 of 3", "Foto 2 von 8", "3/10": media words, then N of M (or N/M) with 1 <= N <= M.
bool gallery_counter(const std::array<Token, kMaxTokens>& tk, std::size_t n) {
  std::size_t i = 0;
  bool medium = false;
  while (i < n && tk[i].kind == TokenKind::kWord &&
         classify(tk[i].folded()) == WordClass::kMedium) {
    medium = true;
    ++i;
  }
  if (i < n && tk[i].kind == TokenKind::kSeparator && tk[i].sep != '/') ++i;  // "Photo: 2 of 5"
  if (i + 2 >= n) return false;
  if (tk[i].kind != TokenKind::kNumber) return false;
  const bool of = (tk[i + 1].kind == TokenKind::kWord && is_of(tk[i + 1].folded())) ||
                  (tk[i + 1].kind == TokenKind::kSeparator && tk[i + 1].sep == '/' && medium);
  if (!of || tk[i + 2].kind != TokenKind::kNumber) return false;
  const uint32_t a = tk[i].number;
  const uint32_t b = tk[i + 2].number;
  if (a < 1 || a > b || b > 500) return false;
  for (std::size_t j = i + 3; j < n; ++j) {
    if (tk[j].kind != TokenKind::kSeparator) return false;
  }
  return true;
}

// "Home › World › Europe", "Markets | Commodities | Energy": two or more separators of one kind
// between steps of one to three capitalised words, no figures.
bool breadcrumb(const std::array<Token, kMaxTokens>& tk, std::size_t n, string_view line) {
  auto is_step_sep = [&](const Token& t) {
    if (t.kind != TokenKind::kSeparator) return false;
    if (t.sep == '|' || t.sep == '>') return true;
    return t.text == "\xE2\x80\xBA" || t.text == "\xC2\xBB" || t.text == "\xE2\x80\xA2" ||
           t.text == "\xC2\xB7";
  };
  std::size_t seps = 0;
  std::size_t words = 0;
  string_view kind;
  for (std::size_t i = 0; i < n; ++i) {
    const Token& t = tk[i];
    if (is_step_sep(t)) {
      if (words == 0 || words > 3) return false;
      if (!kind.empty() && t.text != kind) return false;
      kind = t.text;
      ++seps;
      words = 0;
      continue;
    }
    if (t.kind != TokenKind::kWord) return false;
    if (words == 0 && !t.capital) return false;
    ++words;
  }
  (void)line;
  return seps >= 2 && words >= 1 && words <= 3;
}

// True when the word next to the figure at `i` (before or after it, across separators) is an
// interface word or a medium: the figure counts comments, replies or photos.
bool counts_interface_thing(const std::array<Token, kMaxTokens>& tk, std::size_t n, std::size_t i) {
  auto interface_word = [&](const Token& t) {
    if (t.kind != TokenKind::kWord || t.lowered_len == 0) return false;
    const WordClass c = classify(t.folded());
    return c == WordClass::kInterface || c == WordClass::kMedium;
  };
  for (std::size_t j = i + 1; j < n; ++j) {
    if (tk[j].kind == TokenKind::kSeparator) continue;
    if (interface_word(tk[j])) return true;
    break;
  }
  for (std::size_t j = i; j-- > 0;) {
    if (tk[j].kind == TokenKind::kSeparator) continue;
    return interface_word(tk[j]);
  }
  return false;
}

// True when the line holds `need` ASCII words outside the vocabulary, each standing between
// blanks (or the line's ends), and no separator of a breadcrumb or label: no shape can make it
// chrome. Exact, not a heuristic: such a word is a word token of its own (a token always ends
// before a blank), so the full test below would count it as another word and answer kNone too;
// a gallery counter holds no other word. Most prose lines stop here, before tokenising.
bool holds_other_words(string_view line, uint8_t flags, int need) {
  if ((flags & kListSepByte) != 0) return false;
  int other = 0;
  std::size_t i = 0;
  while (i < line.size()) {
    if (!is_ascii_letter(line[i]) || (i > 0 && line[i - 1] != ' ')) {
      ++i;
      continue;
    }
    const std::size_t b = i;
    std::array<char, 16> w{};
    while (i < line.size() && is_ascii_letter(line[i])) {
      if (i - b < w.size()) w[i - b] = static_cast<char>(line[i] | 0x20);
      ++i;
    }
    if (i < line.size() && line[i] != ' ') continue;  // "Word:", "Word's", "e-mail"
    const std::size_t len = i - b;
    if (len > w.size() || classify(string_view(w.data(), len)) == WordClass::kUnknown) {
      if (++other >= need) return true;
    }
  }
  return false;
}

}  // namespace

ChromeShape chrome_shape(string_view line, bool strict) {
  if (line.empty() || line.size() > kChromeShapeMaxBytes) return ChromeShape::kNone;
  // Cheap necessary conditions first: a full stop ends a sentence unless it closes a duration
  // abbreviation ("Lesezeit: 3 Min."), and a line of prose holds two other words.
  if (line.back() == '.') {
    std::size_t b = line.size() - 1;
    while (b > 0 && is_ascii_letter(line[b - 1])) --b;
    std::array<char, 8> w{};
    const std::size_t len = line.size() - 1 - b;
    if (len == 0 || len > w.size()) return ChromeShape::kNone;
    for (std::size_t i = 0; i < len; ++i) w[i] = static_cast<char>(line[b + i] | 0x20);
    if (classify(string_view(w.data(), len)) != WordClass::kDuration) return ChromeShape::kNone;
  }
  const uint8_t flags = byte_flags(line);
  if (holds_other_words(line, flags, strict ? 1 : 2)) return ChromeShape::kNone;
  if (is_quote_or_sentence_end(line, flags)) return ChromeShape::kNone;
  std::array<Token, kMaxTokens> tk;
  std::size_t n = 0;
  if (!tokenize(line, tk, n) || n == 0) return ChromeShape::kNone;
  if (gallery_counter(tk, n)) return ChromeShape::kGallery;

  // Separators of a breadcrumb or a label ('|', '>', ':', and the lead bytes of › » • ·).
  const bool may_be_list = (flags & kListSepByte) != 0;
  int interface = 0;
  int unknown = 0;
  int networks = 0;
  int handles = 0;
  int words = 0;
  int reader_or_page = 0;
  bool duration = false;
  bool capital_unknown = true;
  bool label_colon = false;
  std::size_t first_word = n;
  for (std::size_t i = 0; i < n; ++i) {
    const Token& t = tk[i];
    switch (t.kind) {
      case TokenKind::kSeparator:
        if (t.sep == ':' && i > 0 && tk[i - 1].kind == TokenKind::kWord &&
            classify(tk[i - 1].folded()) == WordClass::kLabel) {
          label_colon = true;
        }
        continue;
      case TokenKind::kHandle:
        ++handles;
        continue;
      case TokenKind::kNumber: {
        // A figure is chrome only as a duration ("4 min", "5-minute read") or as the length
        // of a clip ("Video 1:23", "Audio · 12:05": minutes, a colon, two-digit seconds).
        if (i + 2 < n && tk[i + 1].kind == TokenKind::kSeparator && tk[i + 1].sep == ':' &&
            tk[i + 2].kind == TokenKind::kNumber && tk[i + 2].text.size() == 2 &&
            tk[i + 1].text.data() == tk[i].text.data() + tk[i].text.size() &&
            tk[i + 2].text.data() == tk[i + 1].text.data() + 1 && tk[i + 2].number < 60) {
          duration = true;
          i += 2;
          continue;
        }
        std::size_t j = i + 1;
        if (j < n && tk[j].kind == TokenKind::kSeparator && tk[j].sep == '-') ++j;
        if (j < n && tk[j].kind == TokenKind::kWord &&
            classify(tk[j].folded()) == WordClass::kDuration) {
          duration = true;
          continue;
        }
        // A count of interface things: "Comments (12)", "12 comments", "Gallery: 8 photos".
        if (counts_interface_thing(tk, n, i)) continue;
        return ChromeShape::kNone;
      }
      case TokenKind::kWord:
        break;
    }
    ++words;
    if (first_word == n) first_word = i;
    if (t.lowered_len == 0) return ChromeShape::kNone;  // a long word: no interface word
    switch (classify(t.folded())) {
      case WordClass::kInterface:
      case WordClass::kMedium:
      case WordClass::kLabel:
        ++interface;
        break;
      case WordClass::kNetwork:
        ++networks;
        break;
      case WordClass::kFiller:
        break;
      case WordClass::kReader:
      case WordClass::kPage:
        ++reader_or_page;
        break;
      case WordClass::kDuration: {
        // Only after a figure (checked there); alone it is an unknown word.
        const bool after_figure =
            i > 0 && (tk[i - 1].kind == TokenKind::kNumber ||
                      (tk[i - 1].kind == TokenKind::kSeparator && tk[i - 1].sep == '-' && i > 1 &&
                       tk[i - 2].kind == TokenKind::kNumber));
        if (!after_figure) ++unknown;
        break;
      }
      case WordClass::kOf:
      case WordClass::kUnknown:
        ++unknown;
        capital_unknown = capital_unknown && t.capital;
        // Two other words (one when strict): only a breadcrumb or a topic label may still be
        // chrome.
        if (unknown >= (strict ? 1 : 2) && !label_colon && !may_be_list) {
          return ChromeShape::kNone;
        }
        break;
    }
    if (words > 10) return ChromeShape::kNone;
  }
  // A sentence ends with a full stop; "Lesezeit: 3 Min." is a duration abbreviation.
  if (line.back() == '.' && !duration) return ChromeShape::kNone;
  if (label_colon && words - 1 <= 6 && first_word < n) {
    // "Topics: Markets, Trade": the label then capitalised topics.
    bool topics_ok = true;
    bool after = false;
    bool expect_capital = true;
    for (std::size_t i = 0; i < n; ++i) {
      const Token& t = tk[i];
      if (t.kind == TokenKind::kSeparator) {
        if (t.sep == ':') after = true;
        if (t.sep == ',' || t.sep == '|' || t.sep == '/') expect_capital = true;
        continue;
      }
      if (!after) continue;
      if (t.kind == TokenKind::kWord && expect_capital && !t.capital) topics_ok = false;
      expect_capital = false;
    }
    if (topics_ok && after) return ChromeShape::kTopicLabel;
  }
  if (duration && unknown == 0) return ChromeShape::kReadingTime;
  if (unknown == 0 && interface >= (strict ? 2 : 1)) return ChromeShape::kInterface;
  if (unknown == 0 && (networks + handles >= 2 || (handles >= 1 && networks >= 1))) {
    return ChromeShape::kSocial;
  }
  if (!strict && unknown == 1 && capital_unknown && interface >= 2) return ChromeShape::kInterface;
  // Function words alone are chrome only when they address the reader or name the page ("More
  // on this story", "You might also like"); a subhead such as "UP NEXT" does neither.
  if (!strict && unknown == 0 && words >= 2 && reader_or_page > 0 && interface == 0 &&
      networks == 0 && handles == 0 && !duration && !label_colon) {
    return ChromeShape::kNoContent;
  }
  if (!strict && unknown == 0 && networks == 1 && handles == 0 && interface == 0 && words >= 3) {
    return ChromeShape::kSocial;  // "Like us on Facebook": a network among function words
  }
  if (breadcrumb(tk, n, line)) return ChromeShape::kBreadcrumb;
  return ChromeShape::kNone;
}

std::string_view chrome_shape_name(ChromeShape s) {
  switch (s) {
    case ChromeShape::kNone:
      return "none";
    case ChromeShape::kInterface:
      return "interface";
    case ChromeShape::kGallery:
      return "gallery";
    case ChromeShape::kReadingTime:
      return "reading-time";
    case ChromeShape::kTopicLabel:
      return "topic-label";
    case ChromeShape::kSocial:
      return "social";
    case ChromeShape::kBreadcrumb:
      return "breadcrumb";
    case ChromeShape::kNoContent:
      return "no-content";
  }
  return "none";
}

}  // namespace wirefeed::pipeline
