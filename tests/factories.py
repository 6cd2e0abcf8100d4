import factory
from allauth.account.models import EmailAddress

from accounts.models import User

PASSWORD = "a-long-test-passphrase-41"


class UserFactory(factory.django.DjangoModelFactory):
    """A patient with a verified email address who can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Faker("first_name")
    role = User.Role.PATIENT
    time_zone = "Europe/London"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            if extracted is not False:
                EmailAddress.objects.create(
                    user=self, email=self.email, verified=True, primary=True
                )


class CareUserFactory(UserFactory):
    role = User.Role.CARE
    email = factory.Sequence(lambda n: f"clinician{n}@clinic.test")
