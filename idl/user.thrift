// The user service: accounts, credentials, refresh sessions and addresses.
include "base.thrift"

namespace go user

struct User {
    1: required string id
    2: required string email
    3: required string name
    4: required string role        // "customer" or "admin"
    5: required i64 created_at_ms  // Unix milliseconds
}

struct Address {
    1: required string id
    2: required string recipient
    3: required string line1
    4: optional string line2
    5: required string city
    6: optional string region
    7: required string postal_code
    8: required string country     // ISO 3166-1 alpha-2
    9: optional string phone
}

// Session is a refresh session; the token is shown once and stored only as a hash.
struct Session {
    1: required string refresh_token
    2: required i64 expires_at_ms
}

struct RegisterRequest {
    1: required string email
    2: required string password
    3: required string name
}

struct LoginRequest {
    1: required string email
    2: required string password
}

struct LoginResponse {
    1: required User user
    2: required Session session
}

struct RefreshRequest {
    1: required string refresh_token
}

struct LogoutRequest {
    1: required string refresh_token
}

// LogoutAllRequest ends every refresh session of the user ("log out everywhere").
struct LogoutAllRequest {
    1: required string user_id
}

struct GetUserRequest {
    1: required string user_id
}

struct AddAddressRequest {
    1: required string user_id
    2: required Address address   // id is ignored
}

struct ListAddressesRequest {
    1: required string user_id
}

struct ListAddressesResponse {
    1: required list<Address> items
}

struct GetAddressRequest {
    1: required string user_id
    2: required string address_id
}

struct DeleteAddressRequest {
    1: required string user_id
    2: required string address_id
}

struct Empty {}

service UserService {
    User Register(1: RegisterRequest req)
    // Login verifies credentials and opens a refresh session.
    LoginResponse Login(1: LoginRequest req)
    // Refresh rotates a refresh session: the presented token stops working.
    LoginResponse Refresh(1: RefreshRequest req)
    // Logout revokes the presented token's family: every rotation of its login.
    Empty Logout(1: LogoutRequest req)
    Empty LogoutAll(1: LogoutAllRequest req)
    User GetUser(1: GetUserRequest req)
    Address AddAddress(1: AddAddressRequest req)
    ListAddressesResponse ListAddresses(1: ListAddressesRequest req)
    // GetAddress answers ADDRESS_NOT_FOUND for another user's address.
    Address GetAddress(1: GetAddressRequest req)
    Empty DeleteAddress(1: DeleteAddressRequest req)
}
