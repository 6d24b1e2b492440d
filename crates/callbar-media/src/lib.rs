//! Callbar's media engine.
