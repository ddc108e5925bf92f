//! The tables, shared by both dialects (portable types only).

diesel::table! {
    workspaces (id) {
        id -> Integer,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        workspace_id -> Integer,
        name -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        api_access -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<Integer>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Integer,
        email -> Text,
        ip -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Integer,
        workspace_id -> Integer,
        actor_id -> Nullable<Integer>,
        actor_name -> Text,
        action -> Text,
        subject -> Text,
        detail -> Text,
        ip -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Binary,
    }
}

diesel::joinable!(users -> workspaces (workspace_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(audit_events -> workspaces (workspace_id));

diesel::allow_tables_to_appear_in_same_query!(
    workspaces,
    users,
    sessions,
    login_failures,
    audit_events,
    server_secrets,
);
