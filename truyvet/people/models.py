from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward
from truyvet.people.normalize import new_ref


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class Symptom(models.TextChoices):
    """Symptoms a person reports: in a health declaration, or to staff opening a case."""

    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    BREATHING = "breathing", _("Shortness of breath")
    SORE_THROAT = "sore_throat", _("Sore throat")
    TASTE_SMELL = "taste_smell", _("Loss of taste or smell")
    FATIGUE = "fatigue", _("Fatigue")


class Household(models.Model):
    address = models.CharField(_("address"), max_length=300, blank=True)
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.address or f"#{self.pk}"


class Person(models.Model):
    """One human being. The same citizen id (or passport + nationality) is one Person."""

    ref = models.CharField(max_length=32, unique=True, default=new_ref, editable=False)
    id_number = models.CharField(_("citizen id number"), max_length=12, null=True, blank=True)
    passport_number = models.CharField(_("passport number"), max_length=20, null=True, blank=True)
    nationality = models.CharField(_("nationality"), max_length=2, blank=True, default="VN")
    full_name = models.CharField(_("full name"), max_length=150)
    name_key = models.CharField(max_length=150, db_index=True, editable=False)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    # The language SMS and email reach them in: the portal's language they last declared
    # in; empty for the portal's default.
    language = models.CharField(_("preferred language"), max_length=8, blank=True)
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="people", verbose_name=_("ward")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(id_number__isnull=False), name="people_person_unique_id_number"
            ),
            models.UniqueConstraint(
                fields=["passport_number", "nationality"],
                condition=Q(passport_number__isnull=False),
                name="people_person_unique_passport",
            ),
            models.CheckConstraint(
                condition=Q(id_number__isnull=True) | Q(id_number__regex=r"^[0-9]{12}$"),
                name="people_person_id_number_12_digits",
            ),
        ]
        indexes = [
            models.Index(fields=["name_key", "date_of_birth"], name="people_person_name_dob"),
            models.Index(fields=["ward", "name_key"], name="people_person_ward_name"),
            # Tracing reads the ward of tens of thousands of exposed people per case: from this
            # small index alone (PostgreSQL; an index-only scan), not from the wide rows.
            models.Index(fields=["id"], include=["ward"], name="people_person_ward_cover"),
        ]

    def __str__(self) -> str:
        return self.full_name


class ChangeSource(models.TextChoices):
    """How a change to a person's record was proven (who may rewrite a person)."""

    SMS = "sms", _("declared, signed in by a code sent to the phone on file")
    DEVICE = "device", _("declared from the phone that declared them before")
    STAFF = "staff", _("health staff with jurisdiction")
    MERGE = "merge", _("merge of duplicate records")
    ADMIN = "admin", _("administration site")


class PersonHistory(models.Model):
    """An earlier value of a person's identity or contact details, with who changed it and how."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="history")
    field = models.CharField(max_length=20)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=ChangeSource.choices, blank=True)

    class Meta:
        ordering = ["-changed_at"]
        verbose_name = _("earlier identity or contact detail")
        verbose_name_plural = _("earlier identity and contact details")
        indexes = [models.Index(fields=["person", "-changed_at"], name="people_history_person")]
