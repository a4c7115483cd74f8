from yiwang.core.errors import Conflict, NotFound, TooManyRequests, Unauthenticated, ValidationFailed


class BadCredentials(Unauthenticated):
    code = "bad_credentials"


class LoginLocked(TooManyRequests):
    code = "login_locked"


class AlreadyRegistered(Conflict):
    code = "already_registered"


class StaffNotFound(NotFound):
    code = "staff_not_found"


class PhoneTaken(Conflict):
    code = "phone_taken"


class PhoneCodeInvalid(ValidationFailed):
    code = "phone_code_invalid"
