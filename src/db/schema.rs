//! The tables, shared by both dialects (portable types only).

diesel::table! {
    workspaces (id) {
        id -> Integer,
        name -> Text,
        created_at -> Timestamp,
        require_two_factor -> Bool,
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
        totp_secret -> Nullable<Text>,
        totp_enabled_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
        totp_changes -> Integer,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Integer,
        user_id -> Integer,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<Integer>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        handle -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Integer,
        email -> Text,
        ip -> Text,
        failed_at -> Timestamp,
        device -> Nullable<Text>,
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

diesel::table! {
    api_keys (id) {
        id -> Integer,
        workspace_id -> Integer,
        created_by -> Nullable<Integer>,
        created_by_name -> Text,
        name -> Text,
        name_key -> Text,
        note -> Text,
        key_hash -> Binary,
        last4 -> Text,
        read_only -> Bool,
        allowed_ips -> Text,
        expires_in_days -> Nullable<Integer>,
        expires_at -> Nullable<Timestamp>,
        expiry_logged -> Bool,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        previous_hash -> Nullable<Binary>,
        previous_last4 -> Nullable<Text>,
        previous_expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        last_used_ip -> Nullable<Text>,
        last_used_agent -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
        disabled_by_name -> Nullable<Text>,
        scopes -> Nullable<Text>,
        enabled_at -> Nullable<Timestamp>,
        disabled_unused_days -> Nullable<Integer>,
        verify_keys -> Bool,
    }
}

diesel::table! {
    key_policies (workspace_id) {
        workspace_id -> Integer,
        max_lifetime_days -> Nullable<Integer>,
        auto_disable_unused_days -> Nullable<Integer>,
        require_note -> Bool,
        updated_at -> Timestamp,
        updated_by_name -> Text,
    }
}

diesel::table! {
    api_key_usage (key_id, day) {
        key_id -> Integer,
        day -> Date,
        requests -> BigInt,
    }
}

diesel::table! {
    api_key_clients (key_id, kind, value) {
        key_id -> Integer,
        kind -> Text,
        value -> Text,
        first_seen -> Timestamp,
        last_seen -> Timestamp,
    }
}

diesel::table! {
    form_nonces (nonce) {
        nonce -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Integer,
        public_id -> Text,
        workspace_id -> Integer,
        name -> Text,
        status -> Text,
        timezone -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    leads (id) {
        id -> Integer,
        public_id -> Text,
        workspace_id -> Integer,
        campaign_id -> Integer,
        email -> Text,
        variables -> Text,
        state -> Text,
        is_paused -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    activities (id) {
        id -> Integer,
        public_id -> Text,
        workspace_id -> Integer,
        #[sql_name = "type"]
        kind -> Text,
        campaign_public_id -> Nullable<Text>,
        campaign_name -> Nullable<Text>,
        lead_public_id -> Nullable<Text>,
        lead_email -> Nullable<Text>,
        lead_first_name -> Nullable<Text>,
        lead_last_name -> Nullable<Text>,
        lead_company_name -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
        variables -> Nullable<Text>,
        is_first -> Bool,
    }
}

diesel::table! {
    unsubscribes (id) {
        id -> Integer,
        public_id -> Text,
        workspace_id -> Integer,
        value -> Text,
        source -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    access_requests (id) {
        id -> Integer,
        workspace_id -> Integer,
        user_id -> Integer,
        reason -> Text,
        status -> Text,
        decided_by_name -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Integer,
        workspace_id -> Integer,
        email -> Text,
        role -> Text,
        api_access -> Bool,
        token_hash -> Binary,
        invited_by -> Nullable<Integer>,
        invited_by_name -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Integer,
        user_id -> Integer,
        token_hash -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        replaced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    hooks (id) {
        id -> Integer,
        public_id -> Text,
        workspace_id -> Integer,
        target_url -> Text,
        event_type -> Nullable<Text>,
        secret -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        created_by_user_id -> Nullable<Integer>,
        created_by_key_id -> Nullable<Integer>,
    }
}

diesel::table! {
    hook_deliveries (id) {
        id -> Integer,
        public_id -> Text,
        hook_id -> Integer,
        event_type -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        created_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_duration_ms -> Nullable<Integer>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(leads -> campaigns (campaign_id));
diesel::joinable!(hooks -> workspaces (workspace_id));
diesel::joinable!(hook_deliveries -> hooks (hook_id));
diesel::joinable!(invitations -> workspaces (workspace_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(access_requests -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(users -> workspaces (workspace_id));
diesel::joinable!(api_keys -> workspaces (workspace_id));
diesel::joinable!(api_key_usage -> api_keys (key_id));
diesel::joinable!(api_key_clients -> api_keys (key_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(audit_events -> workspaces (workspace_id));
diesel::joinable!(key_policies -> workspaces (workspace_id));

diesel::allow_tables_to_appear_in_same_query!(
    workspaces,
    users,
    sessions,
    login_failures,
    audit_events,
    server_secrets,
    api_keys,
    api_key_usage,
    api_key_clients,
    form_nonces,
    campaigns,
    leads,
    activities,
    unsubscribes,
    key_policies,
    access_requests,
    recovery_codes,
    invitations,
    password_resets,
    hooks,
    hook_deliveries,
);
