// Tests for clean_story: Language guess and word count (pipeline/clean/language.*).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/clean.hpp"
#include "tests/unit/clean/clean_test_util.hpp"

namespace wirefeed::pipeline::clean_test {
namespace {

// ---- language and counts -------------------------------------------------------------------

TEST(CleanLanguage, Guesses) {
  EXPECT_EQ(clean("H\n\nThe president said that the talks with the union were going well and "
                  "it was time to act.")
                .language,
            "en");
  EXPECT_EQ(clean("H\n\nLe président a dit que les discussions avec les syndicats sont dans une "
                  "phase décisive pour le pays.")
                .language,
            "fr");
  EXPECT_EQ(clean("H\n\nDer Präsident sagte, dass die Gespräche mit der Gewerkschaft nicht "
                  "einfach sind und auch die Regierung sich bewegen muss.")
                .language,
            "de");
  EXPECT_EQ(clean("H\n\nEl presidente dijo que las conversaciones con los sindicatos fueron "
                  "buenas y que el gobierno espera un acuerdo para el lunes.")
                .language,
            "es");
  EXPECT_EQ(clean("H\n\nIl presidente ha detto che gli incontri con i sindacati sono andati "
                  "bene e che non ci sono problemi per il governo della regione.")
                .language,
            "it");
  EXPECT_EQ(clean("H\n\nO presidente disse que as conversas com os sindicatos foram boas e que "
                  "o governo não espera mais atrasos dos trabalhadores em uma semana.")
                .language,
            "pt");
  EXPECT_EQ(clean("H\n\nDe president zei dat het overleg met de vakbonden goed was en dat de "
                  "regering niet van plan is om op te geven voor het einde van het jaar.")
                .language,
            "nl");
  EXPECT_EQ(clean("H\n\nBiden Xi APEC 2023.").language, "");
  EXPECT_EQ(clean("").language, "");
}

// Short texts (one sentence of a brief) still get their language from a handful of function
// words; distinctive letters (ñ, ã, ß) break ties between close languages.
TEST(CleanLanguage, ShortTexts) {
  struct Case {
    std::string_view body, lang;
  };
  for (const Case& c : {
           Case{"The plant will be closed and its staff moved.", "en"},
           Case{"Les usines sont fermées depuis lundi par la direction.", "fr"},
           Case{"Die Fabrik wurde am Montag für immer geschlossen.", "de"},
           Case{"La fábrica fue cerrada el lunes por la mañana.", "es"},
           Case{"La fabbrica è stata chiusa lunedì dalla direzione.", "it"},
           Case{"A fábrica foi fechada na segunda-feira pela direção, não pelos donos.", "pt"},
           Case{"De fabriek werd maandag gesloten en het personeel is naar huis.", "nl"},
       }) {
    EXPECT_EQ(clean(std::string("H\n\n") + std::string(c.body)).language, c.lang) << c.body;
  }
  // Too little to tell: names and figures only, or a single function word.
  EXPECT_EQ(clean("H\n\nAcme Corp 2024: 1,234.5 (Q3).").language, "");
  EXPECT_EQ(clean("H\n\nParis la nuit.").language, "");
}

// A story quoting another language keeps the language of its body.
TEST(CleanLanguage, MixedTextFollowsTheMajority) {
  EXPECT_EQ(clean("H\n\nLe ministre a répondu aux questions des journalistes pendant une heure. "
                  "« Nous ne sommes pas pressés », a-t-il dit, avant de citer en anglais : "
                  "\"We will get it done by the end of the year.\" Les syndicats sont sceptiques "
                  "et la grève continue dans les usines du nord du pays.")
                .language,
            "fr");
  EXPECT_EQ(clean("H\n\nThe minister answered questions for an hour and said the talks were "
                  "going well. \"Nous ne sommes pas pressés,\" he said in French, before the "
                  "union leaders left the building with their lawyers.")
                .language,
            "en");
}

TEST(CleanCounts, WordCount) {
  const CleanStory s =
      clean("H\n\nOne two, three \xE2\x80\x94 4.5%\n\n\xE2\x80\x9C\xE2\x80\x9D - five");
  EXPECT_EQ(s.word_count, 5u);
}

}  // namespace
}  // namespace wirefeed::pipeline::clean_test
