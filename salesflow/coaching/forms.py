from __future__ import annotations

from typing import Any

from django import forms

from salesflow.coaching.models import (
    SCORE_MAX,
    SCORE_MIN,
    RubricCriterion,
    TranscriptFormat,
)
from salesflow.coaching.recordings import ACCEPT, recording_max_bytes
from salesflow.core.forms import ActionForm, ServiceForm

TRANSCRIPT_FILE_MAX = 2 * 1024 * 1024
SCORE_CHOICES = [(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]


class RecordingForm(ActionForm):
    recording = forms.FileField(
        label="Audio file",
        allow_empty_file=True,  # refused by the service, naming the file
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = recording_max_bytes() // (1024 * 1024)
        self.fields[
            "recording"
        ].help_text = f"MP3, M4A, Ogg/Opus, WAV or WebM audio, at most {limit} MB."


class TranscriptForm(ActionForm):
    """A transcript pasted or uploaded (.vtt, .srt, .txt), and who the rep is in it."""

    fieldsets = [("", ["format", "rep_speaker", "text", "file"])]
    wide_fields = ("text",)

    format = forms.ChoiceField(label="Format", choices=TranscriptFormat.choices)
    rep_speaker = forms.CharField(
        label="Rep's speaker name",
        max_length=100,
        help_text="The name the transcript gives the rep, e.g. “Rita”.",
    )
    text = forms.CharField(
        label="Transcript",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Paste it here, or choose a file below.",
    )
    file = forms.FileField(
        label="Or a transcript file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,.srt,.txt,text/vtt,text/plain"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > TRANSCRIPT_FILE_MAX:
                self.add_error("file", "A transcript file may be at most 2 MB.")
                return data
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The transcript file is not UTF-8 text.")
        if not (data.get("text") or "").strip() and not self.errors:
            self.add_error("text", "Paste the transcript or choose a file.")
        return data


class NotesForm(ActionForm):
    notes = forms.CharField(
        label="Call notes", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReviewForm(ActionForm):
    """One 1-5 score and a comment per active rubric criterion, and an overall comment."""

    def __init__(self, *args: Any, criteria: list[RubricCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.fieldsets = []
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.ChoiceField(
                label=f"{criterion.label} (score)",
                choices=SCORE_CHOICES,
                widget=forms.RadioSelect,
                help_text=criterion.description,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=f"{criterion.label} (comment)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fieldsets.append(
                (criterion.label, [f"score_{criterion.pk}", f"comment_{criterion.pk}"])
            )
        self.fields["comment"] = forms.CharField(
            label="Overall comment", required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
        self.fieldsets.append(("Overall", ["comment"]))
        self.wide_fields = tuple(name for name in self.fields if "comment" in name)

    def scores(self) -> dict[int, int]:
        return {c.pk: int(self.cleaned_data[f"score_{c.pk}"]) for c in self.criteria}

    def comments(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"comment_{c.pk}", "") for c in self.criteria}


class RubricCriterionForm(ServiceForm):
    class Meta:
        model = RubricCriterion
        fields = ["label", "description", "position", "is_active"]
        labels = {"is_active": "Active (managers score calls on it)"}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class RubricCriterionAddForm(ServiceForm):
    wide_fields = ("description",)

    class Meta:
        model = RubricCriterion
        fields = ["label", "description"]
        labels = {"label": "New criterion"}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
