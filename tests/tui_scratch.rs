mod tui_support;
use crossterm::event::KeyCode;
use tui_support::{fake_ctx, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look() {
    let (ctx, _dir, _tmp) = fake_ctx(60);
    let mut h = Harness::new(ctx, 80, 24).await;
    println!("{}", h.screen(80, 24));
    h.key(KeyCode::Enter).await;
    println!("{}", h.screen(80, 24));
    println!("{}", h.screen(120, 40));
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('?')).await;
    println!("{}", h.screen(80, 24));
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('n')).await;
    println!("{}", h.screen(80, 24));
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('p')).await;
    println!("{}", h.screen(80, 24));
    h.key(KeyCode::Right).await;
    h.type_text("abc").await;
    println!("{}", h.screen(80, 24));
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('d')).await;
    h.type_text("leaver").await;
    h.key(KeyCode::Enter).await;
    println!("{}", h.screen(80, 24));
    h.key(KeyCode::Char('y')).await;
    h.key(KeyCode::Char('f')).await;
    println!("{}", h.screen(80, 24));
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('2')).await;
    println!("{}", h.screen(80, 24));
    println!("{}", h.screen(30, 8));
}
