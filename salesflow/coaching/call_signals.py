"""The coaching signals of a transcript: how much the rep talked, the questions they asked,
whether they played back what they heard, and whether a next step was agreed.

Each rule is written out in docs/coaching.md; the word lists below are the ones it shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from salesflow.coaching.transcripts import Cue, speaker_key

# A question opening with one of these asks the customer to talk (after leading fillers).
OPEN_STARTS = (
    "what", "how", "why", "which", "where", "when", "who", "whom", "whose", "tell me",
    "describe", "walk me", "talk me through", "explain", "help me understand", "in what way",
)  # fmt: skip
# Imperative openers that ask for a story even without a question mark ("Describe your
# present situation."): a rep sentence starting with one counts as an open question.
IMPERATIVE_OPEN_STARTS = ("tell me", "describe", "walk me", "talk me through", "explain",
                          "help me understand")  # fmt: skip
# A question opening with one of these can be answered yes or no.
CLOSED_STARTS = (
    "do", "does", "did", "is", "are", "was", "were", "am", "can", "could", "will", "would",
    "shall", "should", "have", "has", "had", "may", "might", "must", "don't", "doesn't",
    "didn't", "isn't", "aren't", "wasn't", "weren't", "can't", "couldn't", "won't",
    "wouldn't", "shouldn't", "haven't", "hasn't",
)  # fmt: skip
# Words skipped at the start of a sentence before its first real word.
FILLERS = ("so", "and", "but", "ok", "okay", "well", "now", "then", "right", "alright", "um",
           "uh", "and so", "just")  # fmt: skip

PLAYBACK_PHRASES = (
    "what i'm hearing", "what i am hearing", "if i understand", "if i understood",
    "if i've understood", "so you're saying", "so you are saying", "you're saying that",
    "let me make sure", "to summarise", "to summarize", "let me play that back",
    "let me play back", "just to confirm", "in other words", "let me recap", "to recap",
    "if i heard you", "it sounds like you",
)  # fmt: skip
# A rep turn reusing at least this share of the distinct content words of the customer turn
# just before it (which must have at least PLAYBACK_MIN_WORDS of them) plays it back.
PLAYBACK_OVERLAP = 0.5
PLAYBACK_MIN_WORDS = 4
STOPWORD_TEXT = """
a about above after again all also am an and any are as at be because been before being but
by can could did do does doing don't for from had has have having he her here hers him his
how i i'm if in into is it it's its just me more most my no nor not now of off on once only
or other our ours out over own really same she should so some such than that that's the
their them then there these they this those through to too under until up very was we we're
were what when where which while who whom why will with would yes you you're your yours yeah
okay ok um uh well right like got get going go
"""
STOPWORDS = frozenset(STOPWORD_TEXT.split())

NEXT_STEP = re.compile(
    r"\b(next steps?|follow[- ]?up|schedule|book|meet|meeting|send you|demo|call (you|me|us)|"
    r"set up|catch up|get back to you|check in|calendar invite)\b"
)
WHEN = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|"
    r"fri|tomorrow|today|tonight|next week|next month|this week|end of (the )?(day|week|month)|"
    r"morning|afternoon|evening|noon|o'clock|january|february|march|april|june|july|august|"
    r"september|october|november|december|\d{1,2}(:\d{2})? ?(am|pm)|\d{1,2}:\d{2}|"
    r"in (a|two|three|\d+) (days?|weeks?))\b"
)
ACCEPT = re.compile(
    r"\b(yes|yeah|yep|sure|sounds good|sounds great|works|ok|okay|fine|great|perfect|agreed|"
    r"let's do it|let's do that|see you|looking forward|confirmed|absolutely|definitely)\b"
)
REFUSE_START = re.compile(r"^(no|nope|not|can't|cannot|won't|unfortunately|sorry)\b")

WORD = re.compile(r"[a-z0-9][a-z0-9'\u2019-]*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Signals:
    talk_share: float
    talk_basis: str  # "time" or "words"
    open_questions: int
    closed_questions: int
    played_back: bool
    next_step_agreed: bool


@dataclass
class Turn:
    speaker: str
    text: str
    is_rep: bool


def _normal(text: str) -> str:
    return " ".join(text.casefold().replace("\u2019", "'").split())


def _words(text: str) -> list[str]:
    return WORD.findall(_normal(text))


def _starts_with(sentence: str, starts: tuple[str, ...]) -> bool:
    return any(sentence == s or sentence.startswith(s + " ") for s in starts)


def _strip_fillers(sentence: str) -> str:
    sentence = re.sub(r"^[^a-z0-9']+", "", sentence)
    changed = True
    while changed:
        changed = False
        for filler in sorted(FILLERS, key=len, reverse=True):
            if sentence == filler or sentence.startswith((filler + " ", filler + ",")):
                sentence = re.sub(r"^[^a-z0-9']+", "", sentence[len(filler) :])
                changed = True
                break
    return sentence


def question_kind(sentence: str) -> str:
    """ "open", "closed", or "" (not a question, or neither kind) for one rep sentence."""
    text = _strip_fillers(_normal(sentence))
    if not text:
        return ""
    asks = text.endswith("?") or _starts_with(text, IMPERATIVE_OPEN_STARTS)
    if not asks:
        return ""
    if _starts_with(text, OPEN_STARTS):
        return "open"
    if _starts_with(text, CLOSED_STARTS):
        return "closed"
    return ""


def _content_words(text: str) -> set[str]:
    found = set()
    for word in _words(text):
        word = word.strip("'-")
        if len(word) < 3 or word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "trucks" and "truck" are the same word here
        found.add(word)
    return found


def _turns(cues: list[Cue], rep: str) -> list[Turn]:
    """Consecutive cues of one speaker make one turn; cues of nobody are left out."""
    turns: list[Turn] = []
    for cue in cues:
        if not cue.speaker:
            continue
        if turns and speaker_key(turns[-1].speaker) == speaker_key(cue.speaker):
            turns[-1].text += " " + cue.text
        else:
            is_rep = speaker_key(cue.speaker) == rep
            turns.append(Turn(speaker=cue.speaker, text=cue.text, is_rep=is_rep))
    return turns


def _talk_share(cues: list[Cue], rep: str) -> tuple[float, str]:
    spoken = [cue for cue in cues if cue.speaker]
    if spoken and all(cue.seconds is not None for cue in spoken):
        total = sum(cue.seconds or 0.0 for cue in spoken)
        if total > 0:
            mine = sum(cue.seconds or 0.0 for cue in spoken if speaker_key(cue.speaker) == rep)
            return round(mine / total, 3), "time"
    total_words = sum(len(_words(cue.text)) for cue in spoken)
    if not total_words:
        return 0.0, "words"
    mine_words = sum(len(_words(c.text)) for c in spoken if speaker_key(c.speaker) == rep)
    return round(mine_words / total_words, 3), "words"


def _played_back(turns: list[Turn]) -> bool:
    for index, turn in enumerate(turns):
        if not turn.is_rep:
            continue
        text = _normal(turn.text)
        if any(phrase in text for phrase in PLAYBACK_PHRASES):
            return True
        before = turns[index - 1] if index else None
        if before is None or before.is_rep:
            continue
        heard = _content_words(before.text)
        if len(heard) >= PLAYBACK_MIN_WORDS:
            reused = heard & _content_words(turn.text)
            if len(reused) / len(heard) >= PLAYBACK_OVERLAP:
                return True
    return False


def _next_step_agreed(turns: list[Turn]) -> bool:
    for index, turn in enumerate(turns):
        text = _normal(turn.text)
        if not (NEXT_STEP.search(text) and WHEN.search(text)):
            continue
        reply = next((t for t in turns[index + 1 :] if t.is_rep != turn.is_rep), None)
        if reply is None:
            continue
        answer = _normal(reply.text)
        if ACCEPT.search(answer) and not REFUSE_START.match(_strip_fillers(answer)):
            return True
    return False


def signals_compute(cues: list[Cue], *, rep_speaker: str) -> Signals:
    """The signals for the rep named `rep_speaker` (compared without case)."""
    rep = speaker_key(rep_speaker)
    turns = _turns(cues, rep)
    share, basis = _talk_share(cues, rep)
    kinds = [
        question_kind(sentence)
        for turn in turns
        if turn.is_rep
        for sentence in SENTENCE_END.split(turn.text.strip())
    ]
    return Signals(
        talk_share=share,
        talk_basis=basis,
        open_questions=kinds.count("open"),
        closed_questions=kinds.count("closed"),
        played_back=_played_back(turns),
        next_step_agreed=_next_step_agreed(turns),
    )
