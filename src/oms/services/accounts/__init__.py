"""Accounts: users and sessions (`auth`), signed tokens with key rotation (`tokens`), argon2 password
hashing (`passwords`) and the login/registration throttle counted in Redis (`throttle`)."""
